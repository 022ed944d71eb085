"""The adding problem at longer lengths: which recipes learn, and which stay at the baseline.

The longer version of chapter 3's experiment. For each sequence length T and seed, every recipe of
:data:`lecturelib.gradients.ADDING_RECIPES` is trained with Adam (learning rate 1e-3), gradient
clipping at 1, batch 64, hidden size 32 (:func:`lecturelib.gradients.train_adding`). Reported per
recipe and T: the final MSE of each seed (mean over the last 200 steps), how many seeds "solved"
the task (final MSE below a tenth of the baseline 1/6), the last measured back-propagated norm
ratio (geometric mean over steps of ``||(∂h_{t+1}/∂h_t)^T δ|| / ||δ||``), and the wall time.

Run: ``python bench/bench_adding.py [--lengths 50 100] [--steps 3000] [--seeds 0 1]``; prints a
Markdown table and writes ``bench/results/bench_adding.json`` (the per-seed results, the table and a
caption naming the settings, date and machine). CPU only, one torch thread. Chapter 3 displays the copy
that ships in lecturelib's data and checks its prose against it; to publish a new run, copy it there:
``cp bench/results/bench_adding.json lecturelib/data/`` (and rebuild: the chapter's asserts name any
sentence the new run contradicts).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import load_average, markdown_table, provenance, publish, timed  # noqa: E402
from lecturelib.recipes import ADDING_RECIPES, train_adding  # noqa: E402
from lecturelib.tasks import ADDING_BASELINE_MSE  # noqa: E402


def run(lengths=(50, 100), steps: int = 3000, seeds=(0, 1), n_hidden: int = 32, verbose: bool = True) -> dict:
    rows = []
    for T in lengths:
        for recipe in ADDING_RECIPES:
            finals, ratios, seconds = [], [], []
            for seed in seeds:
                out = train_adding(recipe, T=T, n_hidden=n_hidden, steps=steps, seed=seed, ratio_every=100)
                finals.append(float(np.mean(out["mse"][-200:])))
                ratios.append(float(out["ratio"][-1]))
                seconds.append(out["seconds"])
                if verbose:
                    print(f"  T={T} {recipe} seed {seed}: final MSE {finals[-1]:.4f} "
                          f"({out['seconds']:.0f} s)", file=sys.stderr, flush=True)
            rows.append(dict(T=T, recipe=recipe, final_mse=finals, ratio=ratios, seconds=seconds,
                             solved=int(sum(f < ADDING_BASELINE_MSE / 10 for f in finals))))
    return dict(steps=steps, seeds=list(seeds), n_hidden=n_hidden, batch_size=64, lr=1e-3, clip=1.0,
                baseline=ADDING_BASELINE_MSE, rows=rows, torch=torch.__version__)


def table(results: dict) -> str:
    """The Markdown table of :func:`run`'s results, one row per length and recipe (the settings go in
    the caption, ``results["settings"]``)."""
    header = ["T", "recipe", "final MSE per seed", f"solved (MSE < {results['baseline'] / 10:.4f})",
              "norm ratio per step", "seconds per run"]
    rows = [[r["T"], r["recipe"], ", ".join(f"{v:.4f}" for v in r["final_mse"]),
             f"{r['solved']}/{len(r['final_mse'])}", f"{np.mean(r['ratio']):.3f}", f"{np.mean(r['seconds']):.0f}"]
            for r in results["rows"]]
    return markdown_table(header, rows, right={0, 3, 4, 5})


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--hidden", type=int, default=32)
    args = parser.parse_args([] if argv is None else argv)
    torch.set_num_threads(1)
    load = load_average()
    results, total = timed(lambda: run(args.lengths, args.steps, args.seeds, args.hidden))
    results["total_seconds"] = total
    results["table"] = table(results)
    results["settings"] = (
        f"{results['steps']} Adam steps (learning rate {results['lr']}), batch {results['batch_size']}, hidden "
        f"size {results['n_hidden']}, every recipe clipped at {results['clip']}; seeds {results['seeds']}. Final MSE: "
        f"mean of the last 200 steps; solved: final MSE below a tenth of the baseline "
        f"{results['baseline']:.4f}; norm ratio: the last one measured, mean over seeds. "
        + provenance("bench/bench_adding.py", load, total, threads=1))
    publish("bench_adding.json", results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
