"""Exercises of chapter 8, segmentation.

In the notebook: ``from lecturelib.exercises import ch08`` then, e.g.,
``ch08.forward_passes.check(answer)``.
"""
from __future__ import annotations

import numpy as np

from ..segmentation import iou_per_class, mean_iou as _mean_iou, pixel_accuracy, sliding_window_cost
from ..unpooling import bed_of_nails, max_pool_with_switches, max_unpool, nearest_unpool
from . import Exercise, NotAttempted, Wrong, call, diagnose, expect_number


# ------------------------------------------------------------ 1. forward passes of a sliding window

PASSES_SETTINGS = dict(height=240, width=320, window=33, stride=4)


def _judge_passes(answer):
    H, W, w, s = PASSES_SETTINGS.values()
    value = expect_number(answer)
    right = sliding_window_cost(H, W, w, s, pad=False)["forward_passes"]
    diagnose(value, right, {
        "one window position too few along each side: positions 0, s, 2s, ... up to H - w make "
        "(H - w) // s + 1 of them, the + 1 counts the window at position 0.": ((H - w) // s) * ((W - w) // s),
        "the stride is missing: with stride 1 there would be that many windows, but here the window moves "
        f"{s} pixels at a time.": (H - w + 1) * (W - w + 1),
        "that counts one window per s x s block of the image, as if windows could hang over the edge; "
        "here every window must lie inside the image.": (H // s) * (W // s),
        "that is the count with a window centred on every pixel (zero padding, stride 1).": H * W,
        "divide only what the window can travel, H - w, by the stride, and round down before adding 1.":
            ((H - w) / s + 1) * ((W - w) / s + 1),
    }, rtol=0, atol=0.01, generic=f"{value} is not a whole number; count whole windows." if value != int(value)
        else "not the number of windows. Count the positions along one side, then along the other, and multiply.")
    return f"(({H} - {w}) // {s} + 1) · (({W} - {w}) // {s} + 1) = {right} forward passes, one per window."


forward_passes = Exercise(
    "ex-seg-passes", "forward passes of a sliding window", handle="ch08.forward_passes", judge=_judge_passes,
    hints=["Along one side of length H, a window of size w can start at 0, s, 2s, ... as long as it ends inside "
           "the image.",
           "That makes (H - w) // s + 1 positions per side; the windows form a grid."],
    solution="""
    answer = ((240 - 33) // 4 + 1) * ((320 - 33) // 4 + 1)   # 52 * 72 = 3744
    """,
)


# ------------------------------------------------------------ 2. which unpooling

def unpool_patterns():
    """The 2x2 map and the three 4x4 patterns the exercise shows (A, B, C)."""
    x = np.array([[3.0, 8.0, 1.0, 2.0], [5.0, 0.0, 7.0, 4.0], [6.0, 2.0, 0.0, 1.0], [1.0, 9.0, 3.0, 2.0]])
    pooled, switches = max_pool_with_switches(x, 2)
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    return x, values, {"A": max_unpool(values, switches, (4, 4)), "B": nearest_unpool(values),
                       "C": bed_of_nails(values)}


UNPOOL_NAMES = {"nearest": "nearest", "nearest neighbour": "nearest", "nearest neighbor": "nearest",
                "bed of nails": "bed of nails", "nails": "bed of nails", "max-unpooling": "max",
                "max unpooling": "max", "max": "max", "maxunpool": "max", "max-unpool": "max",
                "max unpool": "max"}


def _judge_unpool(answer):
    if answer is ...:
        raise NotAttempted("the answer is still `...`")
    if not isinstance(answer, dict):
        raise Wrong(f"expected a dict such as {{'A': 'nearest', 'B': ..., 'C': ...}}, got {type(answer).__name__}.")
    if set(answer) != {"A", "B", "C"}:
        raise Wrong(f"expected the keys 'A', 'B' and 'C', got {sorted(map(str, answer))}.")
    chosen = {}
    for key, name in answer.items():
        if not isinstance(name, str) or name.strip().lower() not in UNPOOL_NAMES:
            raise Wrong(f"pattern {key}: {name!r} is not one of 'nearest', 'bed of nails', 'max-unpooling'.")
        chosen[key] = UNPOOL_NAMES[name.strip().lower()]
    right = {"A": "max", "B": "nearest", "C": "bed of nails"}
    why = {"max": "max-unpooling puts each value where the maximum of its 2x2 block was in the pooled input, "
                  "so the non-zero cell moves from block to block",
           "nearest": "nearest neighbour copies each value into all four cells of its block: no zeros",
           "bed of nails": "bed of nails always puts the value in the top-left cell of its block"}
    for key in "ABC":
        if chosen[key] != right[key]:
            raise Wrong(f"pattern {key} is not {chosen[key]}: {why[chosen[key]]}. Look at where pattern {key}'s "
                        "non-zero values sit.")
    return "A is max-unpooling (the switches), B nearest neighbour, C bed of nails."


which_unpooling = Exercise(
    "ex-seg-unpool", "which unpooling", handle="ch08.which_unpooling", judge=_judge_unpool,
    hints=["Does the pattern have zeros? If not, every cell of a block got a copy.",
           "Of the two with zeros: is the value always in the same corner of its block, or where the input's "
           "maximum was?"],
    solution="""
    answer = {"A": "max-unpooling", "B": "nearest", "C": "bed of nails"}
    """,
)


# ------------------------------------------------------------ 3. mean IoU from a confusion matrix

def _iou_cases():
    # rows: true class, columns: predicted class; the second case has a class that never appears, the
    # last a class that is predicted (column 2) but never true (row 2 empty): its IoU is 0 and counts
    return [np.array([[50, 2, 3], [4, 30, 1], [6, 0, 20]]),
            np.array([[10, 0, 5, 0], [2, 8, 0, 0], [0, 3, 12, 0], [0, 0, 0, 0]]),
            np.array([[7, 1], [3, 9]]),
            np.array([[20, 1, 4], [2, 15, 3], [0, 0, 0]])]


def _judge_iou(fn):
    for cm in _iou_cases():
        got = expect_number(call(fn, cm.copy()), "your function's result")
        tp = np.diag(cm).astype(float)
        rows, cols = cm.sum(1), cm.sum(0)
        present = (rows + cols) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            recall = tp / np.where(rows > 0, rows, 1)
            dice = 2 * tp / np.where(rows + cols > 0, rows + cols, 1)
            no_minus = tp / np.where(rows + cols > 0, rows + cols, 1)
        iou = np.nan_to_num(iou_per_class(cm))
        mistakes = {
            "that is the pixel accuracy, trace / total; IoU is per class, TP / (TP + FP + FN), then averaged.":
                pixel_accuracy(cm),
            "that is the mean per-class accuracy (recall), TP / row sum: it ignores false positives. The union "
            "also counts pixels wrongly predicted as the class (its column).": recall[present].mean(),
            "the union is row + column - TP: the true positives are in both the row and the column, so "
            "subtract them once.": no_minus[present].mean(),
            "that is the mean Dice (F1) score, 2 TP / (row + column); IoU is TP / (row + column - TP).":
                dice[present].mean(),
        }
        true = rows > 0
        if not np.array_equal(true, present):
            mistakes["a class that is predicted but never true still counts: its IoU is 0 (all its pixels are "
                     "false positives). Average over the classes in the truth or the prediction, not the truth "
                     "alone."] = iou[true].mean()
        if not present.all():
            mistakes["a class that appears neither in the truth nor in the prediction has an empty union and "
                     "no IoU: leave it out of the mean instead of counting it as 0."] = iou.mean()
        diagnose(got, _mean_iou(cm), mistakes, rtol=1e-6, atol=1e-9,
                 generic=f"not the mean IoU of {cm.tolist()}. Compute each class's TP / (row + column - TP) and "
                         "average.")
    return "mean IoU: per class TP / (TP + FP + FN), averaged over the classes that occur."


mean_iou = Exercise(
    "ex-seg-miou", "mean IoU from a confusion matrix", handle="ch08.mean_iou", judge=_judge_iou,
    hints=["For class c: TP = cm[c, c], FN = the rest of row c, FP = the rest of column c.",
           "np.diag(cm), cm.sum(axis=1) and cm.sum(axis=0) give all three at once; skip classes whose union is 0."],
    solution="""
    def mean_iou(cm):
        tp = np.diag(cm)
        union = cm.sum(axis=0) + cm.sum(axis=1) - tp
        present = union > 0
        return float(np.mean(tp[present] / union[present]))
    """,
)

ALL = [forward_passes, which_unpooling, mean_iou]


# ------------------------------------------------------------ discussion: what sliding windows compute again

REPEATS = dict(window=11, kernel=3)


def _judge_repeats(answer):
    w, k = REPEATS["window"], REPEATS["kernel"]
    value = expect_number(answer)
    if value != int(value):
        raise Wrong("a number of forward passes is a whole number.")
    side = w - k + 1   # the first layer's map inside one window: an unpadded k x k convolution fits side times
    right = side ** 2
    diagnose(value, right, {
        f"that is how many windows contain the pixel (the {w}² printed above). A first-layer feature needs its "
        f"whole {k}x{k} neighbourhood inside the window, so the windows that have the position in their outer "
        "ring of pixels do not compute it.": w ** 2,
        f"the window shrinks by {k - 1} under an unpadded {k}x{k} convolution, not by 1: it can be centred "
        f"{w} - {k} + 1 ways along each side.": (w - 1) ** 2,
        f"the window shrinks by {k - 1} under an unpadded {k}x{k} convolution, not by {k}.": (w - k) ** 2,
        "that counts along one direction only (or is the number of weights of one 3x3 kernel); the window "
        "slides along both axes, and the windows that compute the feature form a square.": side,
        "that is the window's side, along one direction, and for the pixel rather than for the feature.": w,
        "once is what the fully convolutional pass needs; a sliding window knows nothing of its neighbours, so "
        "every window that covers the position computes the feature again.": 1,
        "that counts the computations after the first one; the question asks for every forward pass that "
        "computes the feature, the first included.": right - 1,
        f"that is the count for the second 3x3 layer, whose map inside a window is {side - k + 1}x"
        f"{side - k + 1}; the question is about the first.": (side - k + 1) ** 2,
        f"that is the count for the third 3x3 layer, the {side - 2 * (k - 1)}x{side - 2 * (k - 1)} map the "
        "'fully connected' layer reads; the question is about the first.": (side - 2 * (k - 1)) ** 2,
    }, rtol=0, atol=0.01,
        generic="not the count. Find where in one window the first layer's features lie, then which window "
                "positions put the chosen image position there.")
    return (f"({w} - {k} + 1)² = {right}: one window computes a {side}x{side} map of first-layer features, and "
            f"{side} window positions along each axis put a given position inside it. The fully convolutional "
            "pass computes it once.")


feature_repeats = Exercise(
    "ex-seg-repeats", "what sliding windows compute again", handle="ch08.feature_repeats", judge=_judge_repeats,
    hints=["Inside one 11x11 window, where can the centre of an unpadded 3x3 convolution lie?",
           "Slide the window one pixel at a time: for how many positions along one axis does the chosen image "
           "position stay in that part of the window? The windows move along both axes."],
    solution="""
    window, kernel = 11, 3
    answer = (window - kernel + 1) ** 2   # 9 * 9 = 81
    """,
)
ALL.append(feature_repeats)
