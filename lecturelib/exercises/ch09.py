"""Exercises of chapter 9, transposed convolution.

In the notebook: ``from lecturelib.exercises import ch09`` then, e.g.,
``ch09.output_size.check(answer)``.
"""
from __future__ import annotations

import numpy as np

from ..transposed_conv import conv_output_size, transposed_output_size
from . import Exercise, Wrong, call, diagnose, expect_array, expect_number, expect_whole_number, expect_shape


# ------------------------------------------------------------ 1. the output size

SIZE_SETTINGS = dict(n_in=5, kernel=7, stride=3, padding=1)
"""Chosen so that every mistake below gives a number of its own, none the right one: k != s (with
k = s, n·s - 2p equals (n - 1)·s + k - 2p) and k - 2p != s (with k - 2p = s, the plain n·s is right)."""


def _judge_size(answer):
    n, k, s, p = SIZE_SETTINGS.values()
    value = expect_whole_number(answer, "; an output size counts pixels")
    right = transposed_output_size(n, k, s, p)
    diagnose(value, right, {
        "the padding is missing: in a transposed convolution padding removes p rows on each side, "
        "so subtract 2p.": (n - 1) * s + k,
        "padding removes p rows on *each* side, so subtract 2p, not p.": (n - 1) * s + k - p,
        "padding was added; in a transposed convolution it removes rows from the output.": (n - 1) * s + k + 2 * p,
        "that uses n * stride; the first input element sits at 0 and the last at (n - 1) * stride.":
            n * s + k - 2 * p,
        "that is the size of an ordinary convolution, which shrinks; the transposed one grows.":
            conv_output_size(n, k, s, p),
        "the last kernel copy covers k cells starting at (n - 1) s, so add k, not k - 1.": (n - 1) * s + k - 1 - 2 * p,
        "the kernel size is missing: n·s counts the strides, but the last kernel copy still reaches k cells "
        "past (n - 1)·s.": n * s - 2 * p,
        "that multiplies the input size by the stride, as if the output were the input scaled up; place the "
        "kernel copies instead: (n - 1)·s to the start of the last one, plus its k cells, minus the padding.": n * s,
    }, rtol=0, atol=0.5, generic="not the output size. Place the kernel copies: where does the first start, "
                                 "where does the last end, and what does the padding take away?")
    return f"({n} - 1)·{s} + {k} - 2·{p} = {right}."


output_size = Exercise(
    "ex-tconv-size", "output size", handle="ch09.output_size", judge=_judge_size,
    hints=["Input element i places its kernel copy at output positions i·s, ..., i·s + k - 1.",
           "Find the last covered position for i = n - 1, count the cells, then remove p from each side."],
    solution="""
    answer = (5 - 1) * 3 + 7 - 2 * 1   # (n - 1) s + k - 2p = 17
    """,
)


# ------------------------------------------------------- 2. a 1-D transposed convolution

def _reference_1d(x, k, stride):
    y = np.zeros((len(x) - 1) * stride + len(k))
    for i, xi in enumerate(x):
        y[i * stride:i * stride + len(k)] += xi * k
    return y


def _overwrite_1d(x, k, stride):
    y = np.zeros((len(x) - 1) * stride + len(k))
    for i, xi in enumerate(x):
        y[i * stride:i * stride + len(k)] = xi * k
    return y


CASES_1D = [(np.array([1.0, 2.0, -1.0]), np.array([1.0, 0.5, 2.0]), 2),
            (np.array([0.5, -2.0, 3.0, 1.0]), np.array([2.0, -1.0]), 1),
            (np.array([1.5, -0.5]), np.array([1.0, 3.0, -2.0, 0.5]), 3)]


def _judge_1d(fn):
    for x, k, s in CASES_1D:
        n_out = (len(x) - 1) * s + len(k)
        got = call(fn, x, k, s)
        if got is not None and not type(got).__module__.startswith("torch"):
            shape = np.shape(got) if isinstance(got, (np.ndarray, list, tuple)) else None
            if shape == ((len(x) - 1) * 1 + len(k),) and s > 1:
                raise Wrong(f"for stride {s} your output has {shape[0]} entries, the stride-1 size; each input "
                            f"element's copy must start {s} cells after the previous one.")
            if shape == (len(x) * s + len(k),):
                raise Wrong("your output is one stride too long: the last copy starts at (n - 1)·stride.")
        got = expect_array(got, (n_out,), "conv_transpose1d")
        diagnose(got, _reference_1d(x, k, s), {
            "overlapping copies must be *added*: you assigned with `=`, so a later copy overwrites "
            "the earlier one. Use `+=`.": _overwrite_1d(x, k, s),
            "the kernel is flipped: input element i adds x[i] * k[j] at position i·stride + j, "
            "with k in its original order.": _reference_1d(x, k[::-1], s),
        }, generic=f"the values differ for x = {x.tolist()}, k = {k.tolist()}, stride = {s}. Write out which "
                   "output cells each input element touches.")
    return "every input element scales the kernel and adds it into the output, stride cells apart."


conv_transpose1d = Exercise(
    "ex-tconv-1d", "a 1-D transposed convolution", handle="ch09.conv_transpose1d", judge=_judge_1d,
    hints=["Start from `y = np.zeros((len(x) - 1) * stride + len(k))`.",
           "For each i, add `x[i] * k` into `y[i * stride : i * stride + len(k)]`."],
    solution="""
    def conv_transpose1d(x, k, stride):
        y = np.zeros((len(x) - 1) * stride + len(k))
        for i in range(len(x)):
            y[i * stride:i * stride + len(k)] += x[i] * k
        return y
    """,
)


# ------------------------------------------------------------ 3. a layer's output shape

SHAPE_SETTINGS = dict(batch=2, c_in=16, c_out=8, size=10, kernel=4, stride=2, padding=1)


def _judge_shape(answer):
    B, c_in, c_out, n, k, s, p = SHAPE_SETTINGS.values()
    got = expect_shape(answer)
    side = transposed_output_size(n, k, s, p)
    right = (B, c_out, side, side)
    if got == right:
        return f"{right}: the channels become out_channels and each side becomes ({n}-1)·{s} + {k} - 2·{p} = {side}."
    no_pad = (n - 1) * s + k
    mistakes = {
        (B, c_in, side, side): "the channels: a ConvTranspose2d(16, 8, ...) outputs out_channels = 8 channels.",
        (B, c_out, no_pad, no_pad): "the padding is missing: it removes p = 1 row and column on each side.",
        (B, c_out, no_pad - p, no_pad - p): "padding removes p on *each* side: subtract 2p.",
        (B, c_out, conv_output_size(n, k, s, p), conv_output_size(n, k, s, p)):
            "that is an ordinary convolution's output size; the transposed one grows the map.",
        (c_out, side, side): "the batch axis is missing: the layer keeps it.",
        (B, side, side, c_out): "PyTorch keeps channels first: (N, C, H, W).",
    }
    raise Wrong(mistakes.get(got, f"{got} is not the output shape; work out the channels, then each side "
                                  "with (n - 1) s + k - 2p."))


layer_shape = Exercise(
    "ex-tconv-shape", "a layer's output shape", handle="ch09.layer_shape", judge=_judge_shape,
    hints=["The layer changes the number of channels from in_channels to out_channels and keeps the batch.",
           "Each spatial side follows (n - 1)·stride + kernel - 2·padding."],
    solution="""
    answer = (2, 8, 20, 20)   # (N, out_channels, (10-1)*2 + 4 - 2, same)
    """,
)

ALL = [output_size, conv_transpose1d, layer_shape]


# ------------------------------------------------------------ discussion: a transpose is not an inverse

NOT_INVERSE_X = np.array([1.0, 2.0, 3.0])


def _judge_not_inverse(answer):
    C = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    x = NOT_INVERSE_X
    value = expect_array(answer, (3,), "your answer")
    right = C.T @ (C @ x)
    diagnose(value, right, {
        "that is x itself: a transposed convolution does not undo the convolution (it is no deconvolution).": x,
        "that is C x, the convolution's output; apply the transpose to it.": np.concatenate([C @ x, [0.0]]),
        "that reverses the order: the transpose scatters y_1 to positions 1 and 2, y_2 to 2 and 3.": right[::-1],
    }, rtol=1e-9, atol=1e-9, generic="compute y = C x = (x1 + x2, x2 + x3), then C^T y = (y1, y1 + y2, y2).")
    return (f"C^T C x = {right.tolist()}, not x = {x.tolist()}: the transpose maps back to the input's size but "
            f"not to the input, so 'deconvolution' is a misnomer; a decoder has to learn its weights.")


not_inverse = Exercise(
    "ex-tconv-not-inverse", "a transpose is not an inverse", handle="ch09.not_inverse", judge=_judge_not_inverse,
    hints=["The convolution with kernel (1, 1) is the matrix C = [[1, 1, 0], [0, 1, 1]]: y = C x.",
           "The transposed convolution is C^T: each y_i paints itself onto the two positions it came from."],
    solution="""
    C = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])   # kernel (1, 1), stride 1
    x = np.array([1.0, 2.0, 3.0])
    answer = C.T @ (C @ x)
    """,
)
ALL.append(not_inverse)
