"""Benchmark: sliding windows against the fully convolutional pass, on a 256x256 image.

    python bench/bench_sliding.py

For each window size, a WindowClassifier (unpadded 3x3 convolutions, then its 'fully connected' layer
as a 5x5 convolution; a larger window has more 3x3 layers) labels every pixel of a 256x256 image two
ways: once per pixel's window (65,536 forward passes, batched), and once on the whole zero-padded
image. The outputs are checked equal; the table gives both times, the speed-up, and the counts of
sliding_window_cost. torch runs on one thread (the ratio is what matters, and one thread is less
disturbed by other load on a shared machine). Prints a Markdown table and writes
bench/results/bench_sliding.json (the rows, the table and its caption); ``main()`` returns the dict.
Chapter 8 displays the copy that ships in lecturelib's data; to publish a new run, copy it there:
``cp bench/results/bench_sliding.json lecturelib/data/`` (the chapter's asserts name any sentence the
new run contradicts).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import best_time, load_average, markdown_table, provenance, publish  # noqa: E402
from lecturelib.segmentation import (WindowClassifier, fully_convolutional_predict,  # noqa: E402
                                     sliding_window_cost, sliding_window_predict)

LEGEND = ("Windows per pixel: the most forward passes one pixel enters; speed-up: sliding time over "
          "fully convolutional time, same network and run; max diff: largest difference of the two score maps.")


def make_table(rows: list[dict]) -> str:
    """The Markdown table of the rows measured by :func:`main` (a pure function of the rows: a stored run's
    table can be made again from its rows without measuring anything)."""
    header = ["window", "forward passes", "windows per pixel", "sliding s", "fully conv. s", "speed-up",
              "max diff"]
    cells = [[f"{r['window']}×{r['window']}", f"{r['forward_passes']:,}", f"{r['recompute_max']:,}",
              f"{r['sliding_s']:.2f}", f"{r['fully_conv_s']:.3f}", f"{r['speedup']:.0f}×",
              f"{r['max_abs_diff']:.1e}".replace("e-", "e\u2212")] for r in rows]  # a minus: no line break
    return markdown_table(header, cells, right={1, 2, 3, 4, 5, 6})


def main(size: int = 256, windows=(7, 11, 15), repeats: int = 3) -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(size, windows, repeats)
    finally:  # leave the process as we found it (bench/run_all.py runs other benchmarks after this one)
        torch.set_num_threads(threads)


def _run(size: int, windows, repeats: int) -> dict:
    load = load_average()
    start = time.perf_counter()
    torch.manual_seed(0)
    image = torch.rand(3, size, size)
    rows = []
    for window in windows:
        net = WindowClassifier(n_classes=7, window=window).eval()
        slid, full = sliding_window_predict(net, image), fully_convolutional_predict(net, image)
        max_diff = (slid - full).abs().max().item()
        assert max_diff < 1e-4, f"sliding and fully convolutional outputs differ by {max_diff}"
        t_slide = best_time(lambda: sliding_window_predict(net, image), repeats)
        t_full = best_time(lambda: fully_convolutional_predict(net, image), repeats + 4)
        cost = sliding_window_cost(size, size, window)
        rows.append(dict(image=f"{size}x{size}", window=window, forward_passes=cost["forward_passes"],
                         recompute_max=cost["recompute_max"], sliding_s=t_slide, fully_conv_s=t_full,
                         speedup=t_slide / t_full, max_abs_diff=max_diff))
    settings = (f"{LEGEND} A {size}×{size} image, 7 classes, the windows batched 2,048 at a time; "
                f"float32; best of {repeats} calls for sliding, {repeats + 4} for the fully "
                "convolutional pass. "
                + provenance("bench/bench_sliding.py", load, time.perf_counter() - start, threads=1))
    result = dict(benchmark="sliding", size=size, torch_threads=1, repeats=repeats, rows=rows,
                  table=make_table(rows), settings=settings)
    publish("bench_sliding.json", result)
    return result


if __name__ == "__main__":
    main()
