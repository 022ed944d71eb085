"""The lecture's training recipes compared on longer sequences and more steps than chapter 6 can afford.

Vanilla tanh RNN with clipping and Pascanu's Ω, LSTM, GRU and the minimal gated unit, each with
about the same number of parameters, trained with Adam on the adding problem and the copy task
(see :mod:`lecturelib.recipes`). Several seeds per recipe; the table gives the mean final loss and
its ratio to the memoryless baseline (below 1: the model uses its memory).

Writes ``bench/results/recipes.json`` (rows and curves) and ``bench/results/bench_recipes.json`` (the
table with its settings). Chapter 6 displays the copy of the latter that ships in lecturelib's data;
to publish a new run, copy it there: ``cp bench/results/bench_recipes.json lecturelib/data/``.
Run: ``python bench/bench_recipes.py [--steps N] [--seeds K]``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import load_average, markdown_table, provenance, write_result  # noqa: E402
from lecturelib.recipes import BENCH_FILE, KINDS, LABELS, compare_recipes, task_setup  # noqa: E402


def make_table(rows: list[dict], seeds: int) -> str:
    """The Markdown table of the rows computed by :func:`main`."""
    header = ["task", "recipe", "params", "units", "final loss", "÷ baseline", "solved", "s/run"]
    cells = [[r["task"], r["recipe"], r["parameters"], r["hidden"], f"{r['final_loss']:.3g}",
              f"{r['vs_baseline']:.2g}", f"{r['solved']}/{seeds}", f"{r['seconds']:.0f}"] for r in rows]
    return markdown_table(header, cells, right={2, 3, 4, 5, 6, 7})


def main(steps: int = 1500, seeds: int = 2, budget: int = 4000, adding_T: int = 60, copy_T: int = 40,
         batch_size: int = 64, threads: int = 1) -> dict:
    """Run the comparison; print a Markdown table; write the JSON files; return the results."""
    torch.set_num_threads(threads)
    load = load_average()
    start = time.perf_counter()
    per_seed = []
    for seed in range(seeds):
        tasks = {f"adding, T = {adding_T}": task_setup("adding", adding_T, batch_size, seed=seed),
                 f"copy, T = {copy_T}": task_setup("copy", copy_T, batch_size, seed=seed)}
        res = compare_recipes(tasks, steps=steps, budget=budget, seed=seed)
        per_seed.append((tasks, res))
    tasks = per_seed[0][0]
    rows, curves = [], {}
    for name in tasks:
        for kind in KINDS:
            logs = [res[name][kind] for _, res in per_seed]
            finals = [float(np.mean(log.loss[-50:])) for log in logs]
            base = tasks[name]["baseline"]
            rows.append(dict(task=name, recipe=LABELS[kind], parameters=logs[0].extra["parameters"],
                             hidden=logs[0].extra["n_hidden"], final_loss=float(np.mean(finals)),
                             final_losses=finals, vs_baseline=float(np.mean(finals)) / base,
                             solved=sum(f < 0.1 * base for f in finals),
                             seconds=float(np.mean([log.seconds[-1] for log in logs]))))
            curves[f"{name} | {kind}"] = [log.loss[::10] for log in logs]
    table = make_table(rows, seeds)
    settings = (f"{steps} Adam steps (learning rate 0.01), batch {batch_size}, about {budget} parameters per model, "
                f"{seeds} seeds. Final loss: mean of the last 50 steps, averaged over the seeds; solved: seeds "
                f"below 0.1 × baseline; s/run: seconds per training run. "
                + provenance("bench/bench_recipes.py", load, time.perf_counter() - start, threads=threads))
    results = {"rows": rows, "table": table, "settings": settings, "curves_every_10_steps": curves}
    print(table)
    print()
    print(settings)
    write_result("recipes.json", results)
    write_result(BENCH_FILE, {"table": table, "settings": settings, "rows": rows})
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=int, default=4000)
    args = parser.parse_args()
    main(args.steps, args.seeds, args.budget)
