"""Benchmark: lecturelib's numpy transposed convolution against PyTorch's, next to the per-pixel loop.

    python bench/bench_transposed_conv.py

Both libraries run single-threaded (torch.set_num_threads(1); numpy's OpenBLAS limited to one
thread where it can be), in float32, on sizes a decoder meets: an upsampling by 2 with a 4x4
kernel (the usual choice that avoids checkerboard overlap), a 3x3 one, and a 2x2 stride-2 one.
Prints a Markdown table and writes bench/results/bench_transposed_conv.json (the rows, the table and
its settings); ``main()`` returns the dict. Chapter 9 displays the copy that ships in lecturelib's data;
to publish a new run, copy it there: ``cp bench/results/bench_transposed_conv.json lecturelib/data/``.
"""
from __future__ import annotations

import ctypes
import glob
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import load_average, markdown_table, median_time, provenance, publish  # noqa: E402
from lecturelib.transposed_conv import conv_transpose2d, conv_transpose2d_loop  # noqa: E402

#            N, C_in, C_out, H=W, k, stride, padding
SIZES = [(8, 64, 32, 32, 4, 2, 1),
         (4, 128, 64, 16, 4, 2, 1),
         (1, 32, 16, 64, 3, 2, 1),
         (16, 16, 8, 32, 2, 2, 0)]


def _openblas():
    """numpy's bundled OpenBLAS library and its symbol prefix, or (None, None)."""
    for path in glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "libscipy_openblas*.so")):
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                if hasattr(lib, f"{prefix}set_num_threads{suffix}") and hasattr(lib, f"{prefix}get_num_threads{suffix}"):
                    return lib, (prefix, suffix)
    return None, None


def _numpy_threads(n: int | None) -> int | None:
    """Set numpy's OpenBLAS threads to ``n`` (no threadpoolctl needed); return the previous count,
    or None where the library is not found."""
    lib, names = _openblas()
    if lib is None:
        return None
    prefix, suffix = names
    previous = getattr(lib, f"{prefix}get_num_threads{suffix}")()
    if n is not None:
        getattr(lib, f"{prefix}set_num_threads{suffix}")(n)
    return previous


def main(repeats: int = 9, loop_repeats: int = 2) -> dict:
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    numpy_threads = _numpy_threads(1)
    try:
        return _run(repeats, loop_repeats, numpy_threads is not None)
    finally:  # leave the process as we found it (bench/run_all.py runs other benchmarks after this one)
        torch.set_num_threads(torch_threads)
        if numpy_threads is not None:
            _numpy_threads(numpy_threads)


LEGEND = "Layer: output channels, kernel, stride s, padding p; ÷ torch: time over PyTorch's, same sizes and run."


def make_table(rows: list[dict]) -> str:
    """The Markdown table of the rows measured by :func:`main` (narrow enough for the book's page)."""
    header = ["input (N×C×H×W)", "layer", "torch ms", "numpy ms", "numpy ÷ torch", "loop ÷ torch"]
    cells = []
    for r in rows:
        c_out, k = r["kernel"].split("x")[1:3]
        cells.append([r["input"].replace("x", "×"), f"{c_out} out, {k}×{k}, s {r['stride']}, p {r['padding']}",
                      f"{r['torch_ms']:.2f}", f"{r['numpy_ms']:.2f}", f"{r['numpy_over_torch']:.2f}",
                      f"{r['loop_over_torch']:.1f}"])
    return markdown_table(header, cells, right={2, 3, 4, 5})


def _run(repeats: int, loop_repeats: int, single: bool) -> dict:
    load = load_average()
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    rows = []
    for N, C_in, C_out, H, k, s, p in SIZES:
        x = rng.normal(size=(N, C_in, H, H)).astype(np.float32)
        w = rng.normal(size=(C_in, C_out, k, k)).astype(np.float32)
        xt, wt = torch.from_numpy(x), torch.from_numpy(w)
        ours = conv_transpose2d(x, w, stride=s, padding=p)
        ref = F.conv_transpose2d(xt, wt, stride=s, padding=p).numpy()
        assert np.allclose(ours, ref, rtol=1e-3, atol=1e-3), "numpy and torch disagree"
        t_np = median_time(lambda: conv_transpose2d(x, w, stride=s, padding=p), repeats)
        t_torch = median_time(lambda: F.conv_transpose2d(xt, wt, stride=s, padding=p), repeats)
        t_loop = median_time(lambda: conv_transpose2d_loop(x, w, stride=s, padding=p), loop_repeats)
        rows.append(dict(input=f"{N}x{C_in}x{H}x{H}", kernel=f"{C_in}x{C_out}x{k}x{k}", stride=s, padding=p,
                         output="x".join(map(str, ref.shape)), torch_ms=1e3 * t_torch, numpy_ms=1e3 * t_np,
                         loop_ms=1e3 * t_loop, numpy_over_torch=t_np / t_torch, loop_over_torch=t_loop / t_torch))
    table = make_table(rows)
    settings = (f"{LEGEND} float32, one thread for torch{' and numpy' if single else ' (numpy threads not set)'}; "
                f"median of {repeats} calls ({loop_repeats} for the loop) after one warm-up call. "
                + provenance("bench/bench_transposed_conv.py", load, time.perf_counter() - start,
                             versions=f", numpy {np.__version__}"))
    result = dict(benchmark="transposed_conv", dtype="float32", torch_threads=torch.get_num_threads(),
                  numpy_single_thread=single, repeats=repeats, loop_repeats=loop_repeats, rows=rows,
                  table=table, settings=settings)
    publish("bench_transposed_conv.json", result)
    return result


if __name__ == "__main__":
    main()
