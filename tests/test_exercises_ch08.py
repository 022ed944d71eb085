"""The chapter-8 checkers accept the reference solutions, reject plausible mistakes with their own
messages, report the untouched stubs as not attempted, and never raise on junk."""
import numpy as np
import pytest
import torch

from exercise_utils import JUNK as SHARED_JUNK, solution_answer
from lecturelib.exercises import ch08
from lecturelib import unpooling


@pytest.mark.parametrize("ex", ch08.ALL, ids=lambda e: e.label)
def test_reference_solution_is_accepted(ex):
    v = ex.evaluate(solution_answer(ex))
    assert v.correct, v.message


@pytest.mark.parametrize("ex", ch08.ALL, ids=lambda e: e.label)
def test_stub_is_not_attempted(ex):
    assert ex.evaluate(...).status == "not attempted"


def test_code_stub_is_not_attempted():
    def mean_iou(cm):
        raise NotImplementedError
    assert ch08.mean_iou.evaluate(mean_iou).status == "not attempted"


JUNK = SHARED_JUNK + ["many", torch.tensor([1.0, 2.0]), np.zeros((3, 3)), {},
        {"A": 1, "B": 2, "C": 3}, lambda *a: 1 / 0, lambda *a: None, lambda *a: "text", lambda *a: torch.zeros(5),
        lambda *a: np.full(7, np.nan)]


@pytest.mark.parametrize("ex", ch08.ALL, ids=lambda e: e.label)
@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_never_raises(ex, junk):
    v = ex.evaluate(junk)
    assert v.status in ("incorrect", "not attempted"), v.message
    assert v.status == "incorrect" or junk is ...


def test_forward_passes_mistakes():
    cases = {51 * 71: "+ 1 counts the window", 208 * 288: "stride is missing", 60 * 80: "hang over the edge",
             240 * 320: "centred on every pixel", (207 / 4 + 1) * (287 / 4 + 1): "round down"}
    messages = set()
    for value, words in cases.items():
        v = ch08.forward_passes.evaluate(value)
        assert not v.correct and words in v.message, (value, v.message)
        messages.add(v.message)
    assert len(messages) == len(cases)
    assert "whole number" in ch08.forward_passes.evaluate(3744.5).message
    assert ch08.forward_passes.evaluate(np.int64(3744)).correct


def test_which_unpooling_patterns_and_mistakes():
    x, values, patterns = ch08.unpool_patterns()
    # the patterns are what the library's unpoolings give, and A is not B or C
    np.testing.assert_array_equal(patterns["B"], unpooling.nearest_unpool(values))
    assert not np.array_equal(patterns["A"], patterns["C"])
    swapped = ch08.which_unpooling.evaluate({"A": "bed of nails", "B": "nearest", "C": "max-unpooling"})
    assert "pattern A is not bed of nails" in swapped.message
    nearest_c = ch08.which_unpooling.evaluate({"A": "max", "B": "max", "C": "nearest"})
    assert "pattern B is not max" in nearest_c.message and "moves from block to block" in nearest_c.message
    all_nearest = ch08.which_unpooling.evaluate({"A": "nearest", "B": "nearest", "C": "bed of nails"})
    assert "all four cells" in all_nearest.message
    assert "not one of" in ch08.which_unpooling.evaluate({"A": "bilinear", "B": "nearest", "C": "nails"}).message
    assert ch08.which_unpooling.evaluate({"A": " Max Unpooling ", "B": "Nearest neighbour", "C": "nails"}).correct


def test_mean_iou_mistakes():
    def accuracy(cm):
        return np.trace(cm) / cm.sum()

    def recall(cm):
        return np.mean(np.diag(cm) / np.maximum(cm.sum(1), 1))

    def no_minus(cm):
        return np.mean(np.diag(cm) / np.maximum(cm.sum(0) + cm.sum(1), 1))

    def dice(cm):
        return np.mean(2 * np.diag(cm) / np.maximum(cm.sum(0) + cm.sum(1), 1))

    def absent_as_zero(cm):
        tp = np.diag(cm)
        union = cm.sum(0) + cm.sum(1) - tp
        return np.mean(np.where(union > 0, tp / np.maximum(union, 1), 0.0))

    expected = {accuracy: "pixel accuracy", no_minus: "subtract them once", dice: "Dice",
                absent_as_zero: "empty union"}
    for fn, words in expected.items():
        v = ch08.mean_iou.evaluate(fn)
        assert not v.correct and words in v.message, (fn.__name__, v.message)
    # recall averaged over present classes only differs from this naive version on the last case,
    # but already fails on the first: it is diagnosed there
    v = ch08.mean_iou.evaluate(recall)
    assert not v.correct and "recall" in v.message

    def mutates(cm):
        cm[:] = 0
        return 0.5
    assert not ch08.mean_iou.evaluate(mutates).correct
    assert ch08._iou_cases()[0][0, 0] == 50


def _windows_computing_first_layer_feature(window, kernel, position, size):
    """Brute force on a size x size image, zero-padded by window // 2, stride 1: the windows (top-left
    corners in padded coordinates) whose unpadded kernel x kernel first layer is centred, somewhere
    inside the window, on the image position ``position`` (row, column)."""
    pad, half = window // 2, kernel // 2
    r, c = position[0] + pad, position[1] + pad
    count = 0
    for top in range(size):             # one window per pixel: size * size windows
        for left in range(size):
            centres_r = range(top + half, top + window - half)
            centres_c = range(left + half, left + window - half)
            count += r in centres_r and c in centres_c
    return count


def test_feature_repeats_right_answer_is_the_brute_force_count():
    w, k = ch08.REPEATS["window"], ch08.REPEATS["kernel"]
    count = _windows_computing_first_layer_feature(w, k, (20, 17), 40)
    assert ch08.feature_repeats.evaluate(count).correct
    assert not ch08.feature_repeats.evaluate(w * w).correct   # the windows that contain the pixel


@pytest.mark.parametrize("value, words", [
    (121, "contain the pixel"), (100, "not by 1"), (64, "not by 3"), (9, "one direction only"),
    (11, "window's side"), (1, "fully convolutional pass"), (80, "first included"), (49, "second 3x3 layer"),
    (25, "third 3x3 layer"), (50, "not the count"), (81.5, "whole number"),
])
def test_feature_repeats_names_each_mistake(value, words):
    v = ch08.feature_repeats.evaluate(value)
    assert v.status == "incorrect" and words in v.message, (value, v.message)


def test_feature_repeats_accepts_numpy_and_float_numbers():
    assert ch08.feature_repeats.evaluate(np.int64(81)).correct
    assert ch08.feature_repeats.evaluate(81.0).correct
