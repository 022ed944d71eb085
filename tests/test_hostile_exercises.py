"""Are the checkers fair? A checker is a teacher: it must never call a right answer wrong (an answer
computed in float32, a number rounded to three significant digits) and never call a wrong one right.

For the second, every mistake a checker names must be told apart from the right answer by at least
one of its test inputs: we record each ``diagnose`` call the checkers make while judging their own
reference solution, and ask, for every diagnosis, whether one of those calls has the mistake's value
outside the tolerance around the right value. A mistake that agrees with the right answer on every
input (like n·s - 2p on a case with k = s) would be accepted as right, and fails this test.
"""
import importlib
import math
from collections import defaultdict

import numpy as np
import pytest
import torch

import lecturelib.exercises as framework
from exercise_utils import all_exercises, chapter_modules, solution_answer

EXERCISES = all_exercises()
IDS = [ex.handle for ex in EXERCISES]


def single(value):
    """``value`` in float32, whatever container it came in."""
    if isinstance(value, torch.Tensor):
        return value.float() if value.is_floating_point() else value
    if isinstance(value, np.ndarray):
        return value.astype(np.float32) if value.dtype.kind == "f" else value
    if isinstance(value, float):
        return np.float32(value)
    if isinstance(value, tuple):
        return tuple(single(v) for v in value)
    if isinstance(value, list) and value and all(isinstance(v, float) for v in value):
        return [np.float32(v) for v in value]
    return value


def in_float32(fn):
    """The student's function, computing in single precision: inputs and outputs cast to float32."""
    def student(*args, **kwargs):
        return single(fn(*(single(a) for a in args), **{k: single(v) for k, v in kwargs.items()}))
    return student


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_float32_answers_are_accepted(ex):
    answer = solution_answer(ex)
    answer = in_float32(answer) if callable(answer) else single(answer)
    verdict = ex.evaluate(answer)
    assert verdict.correct, f"{ex.handle} refused its own solution computed in float32: {verdict.message}"


def three_digits(x):
    return float(f"{x:.3g}")


NUMBER_EXERCISES = [ex for ex in EXERCISES
                    if isinstance(solution_answer(ex), (float, np.floating))
                    and not float(solution_answer(ex)).is_integer()]


def test_some_exercises_ask_for_a_number():
    assert len(NUMBER_EXERCISES) >= 3, [ex.handle for ex in NUMBER_EXERCISES]


@pytest.mark.parametrize("ex", NUMBER_EXERCISES, ids=[ex.handle for ex in NUMBER_EXERCISES])
def test_numbers_rounded_to_three_significant_digits_are_accepted(ex):
    right = float(solution_answer(ex))
    rounded = three_digits(right)
    assert rounded != right
    for answer in (rounded, str(rounded), np.float32(rounded)):
        verdict = ex.evaluate(answer)
        assert verdict.correct, f"{ex.handle} refused {answer!r} (the answer {right} to 3 digits): {verdict.message}"


# ------------------------------------------------------------------ every named mistake is separated

@pytest.fixture
def recorded(monkeypatch):
    """Every ``diagnose`` call of every chapter's checkers: (expected, mistakes, rtol, atol)."""
    calls = []
    original = framework.diagnose

    def recording(got, expected, mistakes=None, *, rtol=1e-6, atol=1e-8, generic="the values are not right."):
        calls.append((expected, dict(mistakes or {}), rtol, atol))
        return original(got, expected, mistakes, rtol=rtol, atol=atol, generic=generic)

    for module in chapter_modules():
        if getattr(module, "diagnose", None) is original:
            monkeypatch.setattr(module, "diagnose", recording)
    return calls


def separated(calls):
    """{diagnosis: whether some call has that mistake's value apart from the right one}."""
    apart = defaultdict(bool)
    for expected, mistakes, rtol, atol in calls:
        for message, value in mistakes.items():
            apart[message] |= not framework.close(value, expected, rtol, atol)
    return apart


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_every_named_mistake_is_told_apart_from_the_right_answer(ex, recorded):
    verdict = ex.evaluate(solution_answer(ex))
    assert verdict.correct, verdict.message
    never = [m for m, ok in separated(recorded).items() if not ok]
    assert never == [], f"{ex.handle}: no test input separates these mistakes from the right answer: {never}"


def test_the_recorder_sees_the_checkers(recorded):
    """The separation test is not vacuous: most checkers go through diagnose, with mistakes."""
    seen = 0
    for ex in EXERCISES:
        before = len(recorded)
        ex.evaluate(solution_answer(ex))
        seen += any(c[1] for c in recorded[before:])
    assert seen >= 15


def test_the_recorder_would_catch_k_equal_s():
    """The check itself: a mistake equal to the right answer on its only input is reported."""
    n, k, s, p = 5, 3, 3, 1
    right = (n - 1) * s + k - 2 * p
    calls = [(right, {"n*s - 2p": n * s - 2 * p, "no padding": (n - 1) * s + k}, 0, 0.5)]
    assert separated(calls) == {"n*s - 2p": False, "no padding": True}


# ------------------------------------------------------------------ the mistakes named in the issue

ch03, ch07, ch08, ch09 = (importlib.import_module(f"lecturelib.exercises.ch0{i}") for i in (3, 7, 8, 9))


@pytest.mark.parametrize("axis", ["x", "y"])
def test_box_iou_refuses_an_intersection_clipped_along_one_axis(axis):
    def one_axis(a, b):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        w, h = (max(w, 0.0), h) if axis == "x" else (w, max(h, 0.0))
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
        return w * h / union
    verdict = ch07.box_iou.evaluate(one_axis)
    assert not verdict.correct
    other = "height" if axis == "x" else "width"
    assert f"but not its {other}" in verdict.message


def test_mean_iou_refuses_dropping_classes_predicted_but_never_true():
    def truth_only(cm):
        cm = np.asarray(cm, float)
        tp, rows, cols = np.diag(cm), cm.sum(1), cm.sum(0)
        keep = rows > 0
        return float(np.mean(tp[keep] / (rows + cols - tp)[keep]))
    verdict = ch08.mean_iou.evaluate(truth_only)
    assert not verdict.correct and "predicted but never true" in verdict.message


def test_output_size_refuses_n_times_s_minus_2p():
    n, k, s, p = ch09.SIZE_SETTINGS.values()
    assert k != s
    verdict = ch09.output_size.evaluate(n * s - 2 * p)
    assert not verdict.correct and "kernel size is missing" in verdict.message


def test_output_size_refuses_plain_n_times_s():
    n, k, s, p = ch09.SIZE_SETTINGS.values()
    assert k - 2 * p != s
    verdict = ch09.output_size.evaluate(n * s)
    assert not verdict.correct and "multiplies the input size by the stride" in verdict.message


def test_float32_steps_of_the_issue_are_accepted():
    def clip32(g, c):
        g = np.asarray(g, np.float32)
        norm = np.linalg.norm(g)
        return g * np.float32(c / norm) if norm >= c else g

    def talathi32(R):
        R = np.asarray(R, np.float32)
        M = R.T @ R / np.float32(R.shape[0]) + np.eye(R.shape[0], dtype=np.float32)
        return M / np.linalg.eigvalsh(M)[-1]
    assert ch03.clip.evaluate(clip32).correct
    assert ch03.talathi.evaluate(talathi32).correct
    assert ch03.omega_term.evaluate(0.306).correct
    assert not ch03.omega_term.evaluate(0.31).correct        # two digits are not enough to tell
