"""Chapter 3's checkers: the solution passes, plausible mistakes get their own diagnosis,
stubs are 'not attempted', junk never raises."""
import math

import numpy as np
import pytest
import torch

from exercise_utils import JUNK as SHARED_JUNK, solution_answer
from lecturelib.exercises import ch03


@pytest.mark.parametrize("ex", ch03.ALL, ids=lambda e: e.label)
def test_solution_accepted(ex):
    v = ex.evaluate(solution_answer(ex))
    assert v.correct, v.message


def _not_implemented(*args):
    raise NotImplementedError


def _raises(*args):
    raise ZeroDivisionError("boom")


JUNK = SHARED_JUNK + ["abc", np.full(2, np.nan), _raises, [1, 2], True]


@pytest.mark.parametrize("ex", ch03.ALL, ids=lambda e: e.label)
def test_stub_and_junk(ex):
    assert ex.evaluate(...).status == "not attempted"
    if ex in (ch03.clip, ch03.talathi):
        assert ex.evaluate(_not_implemented).status == "not attempted"
    for junk in JUNK:
        v = ex.evaluate(junk)
        assert v.status == "incorrect", (junk, v)
        ex.check(junk)


def test_lambda_power_mistakes():
    ex = ch03.lambda_power
    for value, phrase in [(0.95 * 60, "λ·Δt"), (0.95 ** 59, "too few"), (0.95 ** 61, "too many"),
                          (1 - 0.05 * 60, "straight-line"), (math.exp(-0.05 * 60), "approximation"),
                          (0.95 ** -60, "grows"), (0.5, "not λ^Δt")]:
        v = ex.evaluate(value)
        assert v.status == "incorrect" and phrase in v.message, (value, v.message)
    assert ex.evaluate(torch.tensor(0.95) ** 60).correct


def test_clip_mistakes():
    ex = ch03.clip
    norm = np.linalg.norm
    cases = {
        "clips each entry": lambda g, c: np.clip(g, -c, c),
        "although ||g|| < c": lambda g, c: c * g / norm(g),
        "factor c is missing": lambda g, c: g / norm(g) if norm(g) >= c else g,
        "squared norm": lambda g, c: c * g / norm(g) ** 2 if norm(g) >= c else g,
        "came back unchanged": lambda g, c: g,
        "not g": lambda g, c: 0.5 * g,
    }
    for phrase, fn in cases.items():
        v = ex.evaluate(fn)
        assert v.status == "incorrect" and phrase in v.message, (phrase, v.message)
    assert ex.evaluate(lambda g, c: g * min(1.0, c / norm(g))).correct


def test_talathi_mistakes():
    ex = ch03.talathi
    lam = lambda M: np.linalg.eigvalsh(M)[-1]  # noqa: E731

    def build(R, gram="RtR", plus_identity=True, lam_of_plus=True, divide_all=True, by_n=True):
        n = R.shape[0]
        A = (R.T @ R if gram == "RtR" else R @ R.T) / (n if by_n else 1)
        I = np.eye(n)
        scale = lam(A + I) if lam_of_plus else lam(A)
        if not plus_identity:
            return A / scale
        return (A + I) / scale if divide_all else A / scale + I

    cases = {
        "as the notes print it": lambda R: build(R, divide_all=False),
        "identity is missing": lambda R: build(R, plus_identity=False),
        "not of A": lambda R: build(R, lam_of_plus=False),
        "R R^T": lambda R: build(R, gram="RRt"),
        "1/N is missing": lambda R: build(R, by_n=False),
        "largest absolute entry": lambda R: (R.T @ R / len(R) + np.eye(len(R))) / np.max(np.abs(R.T @ R / len(R) + np.eye(len(R)))),
        "not (A + I)": lambda R: np.eye(len(R)),
    }
    for phrase, fn in cases.items():
        v = ex.evaluate(fn)
        assert v.status == "incorrect" and phrase in v.message, (phrase, v.message)


def test_omega_term_mistakes():
    ex = ch03.omega_term
    W, d = ch03.OMEGA["W_rec"], ch03.OMEGA["delta"]
    r = np.linalg.norm(W.T @ d) / np.linalg.norm(d)
    for value, phrase in [(r - 1, "square is missing"), (r, "ratio itself"), (r ** 2, "'- 1' is missing"),
                          ((np.linalg.norm(W @ d) / np.linalg.norm(d) - 1) ** 2, "transpose"),
                          ((np.linalg.norm(W.T @ d) - 1) ** 2, "denominator"), (0.9, "not (")]:
        v = ex.evaluate(value)
        assert v.status == "incorrect" and phrase in v.message, (value, v.message)


def test_truncation_limit_names_the_off_by_ones():
    ex = ch03.truncation_limit
    assert ex.evaluate(7).correct
    assert "9 steps" in ex.evaluate(8).message
    assert "too many" in ex.evaluate(9).message
    assert "too few" in ex.evaluate(6).message
    assert "whole number" in ex.evaluate(6.5).message
    assert ex.evaluate(3).status == "incorrect"
