"""Chapter 2's checkers: the solution passes, plausible mistakes get their own diagnosis,
stubs are 'not attempted', junk never raises."""
import numpy as np
import pytest
import torch

from exercise_utils import JUNK as SHARED_JUNK, solution_answer
from lecturelib.exercises import ch02


def verdict(ex, answer):
    return ex.evaluate(answer)


@pytest.mark.parametrize("ex", ch02.ALL, ids=lambda e: e.label)
def test_solution_accepted(ex):
    v = verdict(ex, solution_answer(ex))
    assert v.correct, v.message


def _not_implemented(*args):
    raise NotImplementedError


def _raises(*args):
    raise KeyError("boom")


JUNK = SHARED_JUNK + [_raises, 3.5, [1, 2]]


@pytest.mark.parametrize("ex", ch02.ALL, ids=lambda e: e.label)
def test_stub_and_junk(ex):
    assert verdict(ex, ...).status == "not attempted"
    if ex in (ch02.backward_step, ch02.wrec_gradient):
        assert verdict(ex, _not_implemented).status == "not attempted"
    for junk in JUNK:
        v = verdict(ex, junk)
        assert v.status == "incorrect", (junk, v)
        ex.check(junk)     # prints, never raises


def test_backward_step_mistakes():
    ex = ch02.backward_step
    cases = {
        "not transposed": lambda g, a, W: W @ ((a > 0) * g),
        "mask is missing": lambda g, a, W: W.T @ g,
        "not the incoming gradient": lambda g, a, W: W.T @ ((g > 0) * g),
        "applied after the product": lambda g, a, W: (a > 0) * (W.T @ g),
        "tanh derivative": lambda g, a, W: W.T @ ((1 - np.tanh(a) ** 2) * g),
        "instead of its derivative": lambda g, a, W: W.T @ (np.maximum(a, 0) * g),
        "shape": lambda g, a, W: np.outer(g, g),
    }
    seen = set()
    for phrase, fn in cases.items():
        v = verdict(ex, fn)
        assert v.status == "incorrect" and phrase in v.message, (phrase, v.message)
        seen.add(v.message)
    assert len(seen) == len(cases)


def test_path_count_mistakes():
    ex = ch02.path_count
    for value, phrase in [(36, "every pair"), (6, "only s = t"), (15, "only t < s"), (28, "off by one"),
                          (20, "not the count")]:
        v = verdict(ex, value)
        assert v.status == "incorrect" and phrase in v.message, (value, v.message)
    assert verdict(ex, np.int64(21)).correct and verdict(ex, 21.0).correct


def test_contributions_shape_mistakes():
    ex = ch02.contributions_shape
    for value, phrase in [((7, 5, 5), "one term per step"), ((5, 5), "summed gradient"), ((7, 7), "last two axes"),
                          ((7, 7, 5), "not a vector"), ((5, 5, 7, 7), "not the shape")]:
        v = verdict(ex, value)
        assert v.status == "incorrect" and phrase in v.message, (value, v.message)
    assert verdict(ex, [7, 7, 5, 5]).correct


def test_wrec_gradient_mistakes():
    ex = ch02.wrec_gradient
    m = lambda a, g: (a > 0) * g  # noqa: E731
    cases = {
        "h_{t-1}": lambda hs, a, g: m(a, g).T @ hs[1:],
        "transposed": lambda hs, a, g: (m(a, g).T @ hs[:-1]).T,
        "mask is missing": lambda hs, a, g: g.T @ hs[:-1],
        "only the last step": lambda hs, a, g: np.outer(m(a, g)[-1], hs[-2]),
        "only the first step": lambda hs, a, g: np.outer(m(a, g)[0], hs[0]),
        "differ from": lambda hs, a, g: 2 * m(a, g).T @ hs[:-1],
    }
    for phrase, fn in cases.items():
        v = verdict(ex, fn)
        assert v.status == "incorrect" and phrase in v.message, (phrase, v.message)
    # a correct vectorized answer passes too
    assert verdict(ex, lambda hs, a, g: ((a > 0) * g).T @ hs[:-1]).correct


def test_bptt_memory_names_the_mistakes():
    ex = ch02.bptt_memory
    T, B, n = 1000, 32, 256
    assert ex.evaluate((2 * T + 1) * B * n * 4 / 1e6).correct
    for wrong, word in (((T + 1) * B * n * 4 / 1e6, "pre-activations"), (T * B * n * 4 / 1e6, "states"),
                        ((2 * T + 1) * n * 4 / 1e6, "batch"), ((2 * T + 1) * B * n * 4, "megabytes"),
                        ((2 * T + 1) * B * n * 4 / 2 ** 20, "2^20")):
        v = ex.evaluate(wrong)
        assert v.status == "incorrect" and word in v.message, (wrong, v.message)
