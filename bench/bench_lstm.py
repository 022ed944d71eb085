"""How fast is lecturelib's LSTM? Forward plus backward on CPU against torch.nn.LSTM.

Rows, at two sizes (small: batch 32, 50 steps, input 32, hidden 128, where per-operation
overhead dominates; compute-bound: batch 64, 100 steps, input 64, hidden 256):

* ``nn.LSTM``: PyTorch's own module (the reference, ratio 1).
* ``lecturelib LSTM``: fused gates, all input projections in one product, one recurrent
  product per step, steps taken with ``unbind``.
* ``... steps by indexing``: the same module but taking step t as ``xp[t]``: each step's
  backward then writes a gradient as large as the whole sequence.
* ``twelve tensors``: :class:`lecturelib.lstm.UnfusedLSTM`, a weight matrix pair and a bias
  per gate, eight products per step.
* ``numpy LSTM``: :func:`lecturelib.lstm.lstm_forward` + :func:`lecturelib.lstm.lstm_backward`
  in float32.

All in float32, one thread for torch (and for OpenBLAS when this script is started directly),
so that the numbers are less disturbed by other load on the machine. The variants are timed in
turns (round robin) and the median of the repeats is reported; ratios are to nn.LSTM measured
in the same rounds. Run: ``python bench/bench_lstm.py [--repeats N] [--threads K]``.

Writes ``bench/results/bench_lstm.json`` (the table, its settings, the seconds and ratios). Chapter 4
displays the copy that ships in lecturelib's data; to publish a new run, copy it there:
``cp bench/results/bench_lstm.json lecturelib/data/``.
"""
from __future__ import annotations

import os

if __name__ == "__main__":  # must be set before numpy loads OpenBLAS
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import load_average, markdown_table, provenance, publish, round_robin  # noqa: E402
from lecturelib.lstm import LSTM, UnfusedLSTM, lstm_backward, lstm_forward, lstm_from_torch  # noqa: E402

SIZES = {
    "small": dict(B=32, T=50, m=32, n=128),
    "compute-bound": dict(B=64, T=100, m=64, n=256),
}


class IndexedLSTM(LSTM):
    """lecturelib's LSTM, but with the trap: step t taken as ``xp[t]`` rather than by ``unbind``."""

    def steps(self, xp):
        return [xp[t] for t in range(xp.shape[0])]


def _torch_runner(module, xs, G):
    def run():
        module.zero_grad(set_to_none=True)
        out = module(xs)[0]
        (out * G).sum().backward()
    return run


def _numpy_runner(weights, xs, G):
    xs, G = xs.numpy(), G.numpy()

    def run():
        hs, _, cache = lstm_forward(xs, weights, dtype=np.float32)
        lstm_backward(G, cache)
    return run


def measure(size: str, repeats: int = 9) -> dict:
    """Median seconds of one forward + backward for every variant at ``size``; and ratios."""
    B, T, m, n = (SIZES[size][k] for k in ("B", "T", "m", "n"))
    torch.manual_seed(0)
    ref = torch.nn.LSTM(m, n)
    weights = lstm_from_torch(ref)
    ours = LSTM(m, n).load_lecture_weights(weights)
    indexed = IndexedLSTM(m, n).load_lecture_weights(weights)
    twelve = UnfusedLSTM(m, n).load_lecture_weights(weights)
    xs = torch.randn(T, B, m)
    G = torch.randn(T, B, n)
    variants = {
        "nn.LSTM": _torch_runner(ref, xs, G),
        "lecturelib LSTM (unbind)": _torch_runner(ours, xs, G),
        "lecturelib LSTM, steps by indexing": _torch_runner(indexed, xs, G),
        "twelve tensors, 8 products/step": _torch_runner(twelve, xs, G),
        "numpy LSTM (float32)": _numpy_runner(weights, xs, G),
    }
    med = round_robin(variants, repeats)
    return {"size": SIZES[size], "seconds": med,
            "ratio_to_nn_lstm": {name: med[name] / med["nn.LSTM"] for name in med}}


def table(results: dict) -> str:
    sizes = list(results["sizes"])
    header = ["variant"] + [h for s in sizes for h in (f"{s}: ms", f"{s}: × nn.LSTM")]
    rows = []
    for name in results["sizes"][sizes[0]]["seconds"]:
        cells = [name]
        for s in sizes:
            r = results["sizes"][s]
            cells += [f"{1000 * r['seconds'][name]:.1f}", f"{r['ratio_to_nn_lstm'][name]:.2f}"]
        rows.append(cells)
    return markdown_table(header, rows, right=set(range(1, len(header))))


def main(repeats: int = 9, threads: int = 1) -> dict:
    """Run the benchmark, print a Markdown table, write bench/results/bench_lstm.json, return the results."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    load = load_average()
    start = time.perf_counter()
    try:
        results = {"torch": torch.__version__, "threads": threads,
                   "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
                   "repeats": repeats, "sizes": {s: measure(s, repeats) for s in SIZES}}
    finally:
        torch.set_num_threads(old)
    sizes = "; ".join(f"{s}: batch {d['B']}, {d['T']} steps, input {d['m']}, hidden {d['n']}"
                      for s, d in SIZES.items())
    results["table"] = table(results)
    results["settings"] = (
        f"Forward + backward on CPU, float32, {threads} torch thread(s); median of {repeats} rounds, the "
        f"variants timed in turns; × nn.LSTM: ratio to nn.LSTM in the same rounds. Sizes: {sizes}. "
        + provenance("bench/bench_lstm.py", load, time.perf_counter() - start, threads=threads))
    publish("bench_lstm.json", results)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    main(args.repeats, args.threads)
