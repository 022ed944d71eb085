"""The lecture's claims about the GRU and the LSTM, measured at equal parameter count.

The lecture says the GRU "uses less memory and computation than the LSTM, since it doesn't maintain a cell
state", that GRUs "have been empirically observed to train faster", and (in the LSTM's favour) that the LSTM
remembers longer. Each claim gets a measurement here, with both cells given about the same number of
parameters (``lecturelib.recipes.hidden_for_budget``: the GRU gets more units than the LSTM):

1. memory: the numbers each cell carries from step to step, and the bytes of activations autograd keeps per
   step and sequence for training (``lecturelib.claims.saved_activation_bytes``; independent of the machine);
2. computation: wall time of one training step (forward + backward), lecturelib's modules in the lecture's
   form, and PyTorch's ``nn.GRU`` / ``nn.LSTM`` (cuDNN's form) at the same sizes, as ratios GRU / LSTM;
3. training speed: steps of Adam until the adding problem's loss (mean of 20 steps) is below a tenth of the
   baseline;
4. memory length: the longest delay of the echo task (``lecturelib.tasks.echo_task``) learned to an MSE
   below 0.1 within a step budget.

Writes ``bench/results/bench_gru_lstm_claims.json`` (the measurements, the table and a caption naming the
settings, date and machine). Chapter 5 displays the copy that ships in lecturelib's data and asserts its prose
against it; to publish a new run, copy it there: ``cp bench/results/bench_gru_lstm_claims.json lecturelib/data/``
(never a ``--quick`` run). Run: ``python bench/bench_gru_lstm_claims.py [--seeds 2] [--quick]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import RESULTS, ROOT, load_average, provenance, publish, write_result  # noqa: E402
from lecturelib.claims import (equal_budget_models, saved_activation_bytes, state_numbers,  # noqa: E402
                               steps_to_target)
from lecturelib.tasks import ADDING_BASELINE_MSE, adding_batch_fn, echo_batch_fn  # noqa: E402

NAME = "bench_gru_lstm_claims.json"
BOOK_COPY = ROOT / "lecturelib" / "data" / NAME
KINDS = ("gru", "lstm")
NAMES = {"gru": "GRU", "lstm": "LSTM"}


def units(model) -> int:
    return model.core.W_rec.shape[1]


def params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def memory(budget: int, T: int, batch: int) -> dict:
    """State size and saved activations per step and sequence, adding-problem sizes."""
    models = equal_budget_models(2, 1, budget)
    xs = torch.zeros(T, batch, 2)
    out = {}
    for kind, model in models.items():
        out[kind] = dict(units=units(model), parameters=params(model), state=state_numbers(kind, units(model)),
                         saved_bytes_per_step=saved_activation_bytes(model, xs) / (T * batch))
    return out


def seconds_per_step(models: dict, xs, repeats: int) -> dict:
    """``{name: median wall time of forward + backward}`` over ``repeats`` runs, the models taking turns
    within each round (so that a change in the machine's load hits all of them alike), after one warm-up round."""
    times = {name: [] for name in models}
    for r in range(repeats + 1):
        for name, model in models.items():
            model.zero_grad()
            start = time.perf_counter()
            model(xs).sum().backward()
            if r:
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


class TorchCore(torch.nn.Module):
    """``nn.GRU`` / ``nn.LSTM`` with a linear readout at every step (PyTorch's, cuDNN's form)."""

    def __init__(self, kind: str, n_in: int, n_hidden: int, n_out: int):
        super().__init__()
        self.rnn = (torch.nn.GRU if kind == "gru" else torch.nn.LSTM)(n_in, n_hidden)
        self.out = torch.nn.Linear(n_hidden, n_out)

    def forward(self, xs):
        return self.out(self.rnn(xs)[0])


def computation(budget: int, T: int, batch: int, repeats: int) -> dict:
    models = equal_budget_models(2, 1, budget)
    xs = torch.randn(T, batch, 2, generator=torch.Generator().manual_seed(0))
    everyone = {}
    for kind, model in models.items():
        everyone[("lecturelib", kind)] = model
        everyone[("torch", kind)] = TorchCore(kind, 2, units(model), 1)
    seconds = seconds_per_step(everyone, xs, repeats)
    return {kind: dict(lecturelib_ms=1e3 * seconds["lecturelib", kind], torch_ms=1e3 * seconds["torch", kind])
            for kind in models}


def training_speed(budget: int, T: int, batch: int, max_steps: int, seeds) -> dict:
    def loss_fn(model, b):
        xs, ys = b
        return torch.mean((model(xs)[-1] - ys) ** 2)

    out = {kind: [] for kind in KINDS}
    for seed in seeds:
        models = equal_budget_models(2, 1, budget, seed=seed)
        for kind, model in models.items():
            steps, _ = steps_to_target(model, loss_fn, adding_batch_fn(batch, T, seed=100 + seed),
                                       ADDING_BASELINE_MSE / 10, max_steps)
            out[kind].append(steps)
    return out


def memory_length(budget: int, delays, extra: int, batch: int, max_steps: int, seeds) -> dict:
    out = {kind: {} for kind in KINDS}
    for delay in delays:
        def loss_fn(model, b, delay=delay):
            xs, ys = b
            return torch.mean((model(xs)[delay:] - ys[delay:]) ** 2)

        for kind in KINDS:
            out[kind][delay] = []
        for seed in seeds:
            models = equal_budget_models(1, 1, budget, seed=seed)
            for kind, model in models.items():
                steps, _ = steps_to_target(model, loss_fn, echo_batch_fn(batch, delay + extra, delay, seed=200 + seed),
                                           0.1, max_steps)
                out[kind][delay].append(steps)
    return out


def verdict(holds: bool) -> str:
    return "holds here" if holds else "does not hold here"


def make_rows(mem, comp, speed, length, delays, seeds) -> list[dict]:
    g, l = "gru", "lstm"
    rows = []
    rows.append(dict(claim="GRU uses less memory (no cell state)", measure="numbers carried per step",
                     gru=f"{mem[g]['state']}", lstm=f"{mem[l]['state']}",
                     verdict=verdict(mem[g]["state"] < mem[l]["state"])))
    rows.append(dict(claim="GRU uses less memory (no cell state)",
                     measure="activations kept for training, bytes per step and sequence",
                     gru=f"{mem[g]['saved_bytes_per_step']:.0f}", lstm=f"{mem[l]['saved_bytes_per_step']:.0f}",
                     verdict=verdict(mem[g]["saved_bytes_per_step"] < mem[l]["saved_bytes_per_step"])))
    rows.append(dict(claim="GRU uses less computation", measure="ms per training step, lecturelib (lecture's form)",
                     gru=f"{comp[g]['lecturelib_ms']:.1f}", lstm=f"{comp[l]['lecturelib_ms']:.1f}",
                     verdict=verdict(comp[g]["lecturelib_ms"] < comp[l]["lecturelib_ms"])))
    rows.append(dict(claim="GRU uses less computation", measure="ms per training step, nn.GRU / nn.LSTM",
                     gru=f"{comp[g]['torch_ms']:.1f}", lstm=f"{comp[l]['torch_ms']:.1f}",
                     verdict=verdict(comp[g]["torch_ms"] < comp[l]["torch_ms"])))

    def fmt_steps(values):
        return ", ".join("never" if v is None else str(v) for v in values)

    def mean_steps(values, cap):
        return np.mean([cap if v is None else v for v in values])

    cap = 10 ** 9
    rows.append(dict(claim="GRU trains faster", measure="Adam steps to a tenth of the adding baseline, per seed",
                     gru=fmt_steps(speed[g]), lstm=fmt_steps(speed[l]),
                     verdict=verdict(mean_steps(speed[g], cap) < mean_steps(speed[l], cap))))

    def longest(kind):
        learned = [d for d in delays if all(s is not None for s in length[kind][d])]
        return max(learned) if learned else 0

    tie = longest(l) == longest(g)
    rows.append(dict(claim="LSTM remembers longer", measure=f"longest echo delay learned by all {len(seeds)} seeds "
                     f"(tried {', '.join(map(str, delays))})",
                     gru=str(longest(g)), lstm=str(longest(l)),
                     verdict="not shown here (a tie)" if tie else verdict(longest(l) > longest(g))))
    return rows


def make_table(rows: list[dict]) -> str:
    lines = ["| the lecture's claim | measured | GRU | LSTM | verdict |", "|---|---|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['claim']} | {r['measure']} | {r['gru']} | {r['lstm']} | {r['verdict']} |")
    return "\n".join(lines)


def main(seeds=(0, 1), budget: int = 2000, quick: bool = False, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    load = load_average()
    start = time.perf_counter()
    delays = (5, 10, 20) if quick else (5, 10, 20, 40)
    settings = dict(budget=budget, adding_T=40, batch=32, max_steps_adding=300 if quick else 1500,
                    echo_extra_steps=20, max_steps_echo=200 if quick else 800, delays=list(delays),
                    seeds=list(seeds), timing_T=60, timing_batch=64, timing_repeats=3 if quick else 31)
    mem = memory(budget, settings["adding_T"], settings["batch"])
    comp = computation(budget, settings["timing_T"], settings["timing_batch"], settings["timing_repeats"])
    speed = training_speed(budget, settings["adding_T"], settings["batch"], settings["max_steps_adding"], seeds)
    length = memory_length(budget, delays, settings["echo_extra_steps"], settings["batch"],
                           settings["max_steps_echo"], seeds)
    rows = make_rows(mem, comp, speed, length, delays, seeds)
    table = make_table(rows)
    text = (f"About {budget} parameters per model (GRU {mem['gru']['units']} units, {mem['gru']['parameters']} "
            f"parameters; LSTM {mem['lstm']['units']} units, {mem['lstm']['parameters']} parameters, forget bias 1), "
            f"lecturelib's modules in the lecture's form unless marked. Memory: adding-problem inputs, T = "
            f"{settings['adding_T']}. Time: batch {settings['timing_batch']}, T = {settings['timing_T']}, median of "
            f"{settings['timing_repeats']} runs. Adding problem: T = {settings['adding_T']}, batch {settings['batch']}, "
            f"Adam 0.01, at most {settings['max_steps_adding']} steps. Echo: T = delay + "
            f"{settings['echo_extra_steps']}, MSE below 0.1 within {settings['max_steps_echo']} steps. Seeds "
            f"{', '.join(map(str, seeds))}. "
            + provenance("bench/bench_gru_lstm_claims.py" + (" --quick (a smoke run)" if quick else ""), load,
                         time.perf_counter() - start, threads=threads))
    results = dict(rows=rows, table=table, settings=text, raw=dict(memory=mem, computation=comp, adding_steps=speed,
                   echo_steps={k: {str(d): v for d, v in by.items()} for k, by in length.items()}), config=settings)
    publish(NAME, results)
    return results


def report_only() -> dict:
    """Rebuild the rows and the table from the measurements stored by the last run (no training): the run in
    bench/results if there is one, else the published copy; writes bench/results only."""
    last = RESULTS / NAME
    results = json.loads(last.read_text() if last.exists() else BOOK_COPY.read_text())
    raw, config = results["raw"], results["config"]
    length = {k: {int(d): v for d, v in by.items()} for k, by in raw["echo_steps"].items()}
    results["rows"] = make_rows(raw["memory"], raw["computation"], raw["adding_steps"], length,
                                tuple(config["delays"]), tuple(config["seeds"]))
    results["table"] = make_table(results["rows"])
    print(results["table"])
    write_result(NAME, results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="fewer steps and delays (a smoke test)")
    parser.add_argument("--report-only", action="store_true",
                        help="rebuild the table from the stored measurements (after a change of its wording)")
    args = parser.parse_args()
    if args.report_only:
        report_only()
    else:
        main(tuple(range(args.seeds)), args.budget, args.quick)
