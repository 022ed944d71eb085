"""Benchmark: sliding windows against the fully convolutional pass, on a 256x256 image.

    python bench/bench_sliding.py

The same WindowClassifier (unpadded 3x3 convolutions, then its 'fully connected' layer as a 5x5
convolution) labels every pixel of a 256x256 image two ways: once per pixel's window (65,536 forward
passes, batched), and once on the whole zero-padded image. The outputs are checked equal; the table
gives both times, the speed-up, and the counts of sliding_window_cost. Both run with torch's default
threads. Prints a Markdown table and writes bench/results/sliding.json; ``main()`` returns the dict.
"""
from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import best_time, markdown_table, write_result  # noqa: E402
from lecturelib.segmentation import (WindowClassifier, fully_convolutional_predict,  # noqa: E402
                                     sliding_window_cost, sliding_window_predict)


def main(size: int = 256, windows=(11, 15), repeats: int = 2) -> dict:
    torch.manual_seed(0)
    image = torch.rand(3, size, size)
    rows = []
    for window in windows:
        net = WindowClassifier(n_classes=7, window=window).eval()
        slid, full = sliding_window_predict(net, image), fully_convolutional_predict(net, image)
        max_diff = (slid - full).abs().max().item()
        assert max_diff < 1e-4, f"sliding and fully convolutional outputs differ by {max_diff}"
        t_slide = best_time(lambda: sliding_window_predict(net, image), repeats)
        t_full = best_time(lambda: fully_convolutional_predict(net, image), repeats + 3)
        cost = sliding_window_cost(size, size, window)
        rows.append(dict(image=f"{size}x{size}", window=window, forward_passes=cost["forward_passes"],
                         recompute_max=cost["recompute_max"], sliding_s=t_slide, fully_conv_s=t_full,
                         speedup=t_slide / t_full, max_abs_diff=max_diff))
    result = dict(benchmark="sliding", torch_threads=torch.get_num_threads(), rows=rows)
    header = ["image", "window", "forward passes", "windows per pixel (max)", "sliding s", "fully conv s",
              "speed-up", "max diff"]
    print(markdown_table(header, [[r["image"], r["window"], f"{r['forward_passes']:,}", r["recompute_max"],
                                   f"{r['sliding_s']:.2f}", f"{r['fully_conv_s']:.3f}", f"{r['speedup']:.0f}x",
                                   f"{r['max_abs_diff']:.1e}"] for r in rows]))
    write_result("sliding.json", result)
    return result


if __name__ == "__main__":
    main()
