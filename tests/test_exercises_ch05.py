"""Chapter 5's checkers accept the reference and reject plausible mistakes, each with its own message."""
import math

import numpy as np
import pytest
import torch

from lecturelib.exercises import ch05
from lecturelib.gru import gru_step

sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731


def _step(mistake):
    def fn(h, x, w):
        n = len(h)
        hx = np.concatenate([h, x])
        r, u = sig(w["W_r"] @ hx + w["b_r"]), sig(w["W_u"] @ hx + w["b_u"])
        if mistake == "after":
            cand = np.tanh(w["W_h"][:, n:] @ x + w["b_h"] + r * (w["W_h"][:, :n] @ h))
        elif mistake == "no reset":
            cand = np.tanh(w["W_h"] @ hx + w["b_h"])
        elif mistake == "reset x":
            cand = np.tanh(w["W_h"] @ np.concatenate([r * h, r * x]) + w["b_h"])
        elif mistake == "sigmoid":
            cand = sig(w["W_h"] @ np.concatenate([r * h, x]) + w["b_h"])
        else:
            cand = np.tanh(w["W_h"] @ np.concatenate([r * h, x]) + w["b_h"])
        if mistake == "swapped":
            return (1 - u) * h + u * cand
        if mistake == "candidate":
            return cand
        return u * h + (1 - u) * cand
    return fn


def test_gru_step_accepts_reference_and_lecturelib():
    assert ch05.gru_step.evaluate(_step(None)).correct
    assert ch05.gru_step.evaluate(lambda h, x, w: gru_step(h, x, w)).correct


@pytest.mark.parametrize("mistake, words", [
    ("after", "after the recurrent matrix"), ("swapped", "swapped"), ("no reset", "reset gate is missing"),
    ("reset x", "not the input"), ("candidate", "returned the candidate"), ("sigmoid", "uses a sigmoid"),
])
def test_gru_step_mistakes_are_named(mistake, words):
    verdict = ch05.gru_step.evaluate(_step(mistake))
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_gru_step_stub_and_junk():
    def stub(h, x, w):
        raise NotImplementedError
    assert ch05.gru_step.evaluate(stub).status == "not attempted"
    for junk in (None, "h", lambda h, x, w: None, lambda h, x, w: torch.zeros(len(h)), lambda h, x, w: h[None],
                 lambda h, x, w: h * np.inf, lambda h, x, w: 1 / 0):
        assert ch05.gru_step.evaluate(junk).status == "incorrect"


@pytest.mark.parametrize("answer, words", [
    (3 * (32 * 42 + 32) + 96, "torch.nn.GRU"), (3 * (32 * 42 + 32) + 32, "after-form"),
    (4 * (32 * 42 + 32), "LSTM"), (2 * (32 * 42 + 32), "minimal gated unit"), (32 * 42 + 32, "vanilla"),
    (3 * 32 * 42, "biases are missing"), (12, "Three blocks"),
])
def test_parameter_count_mistakes(answer, words):
    verdict = ch05.parameter_count.evaluate(answer)
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_parameter_count_right_stub_junk():
    assert ch05.parameter_count.evaluate(3 * (32 * 42 + 32)).correct
    assert ch05.parameter_count.evaluate(...).status == "not attempted"
    for junk in (None, "x", [4128], 4128.5):
        assert ch05.parameter_count.evaluate(junk).status == "incorrect"


def test_half_life():
    k = next(k for k in range(1, 100) if 0.95 ** k < 0.5)
    assert ch05.half_life.evaluate(k).correct
    for answer, words in [(k - 1, "still above one half"), (1, "1 - u_t"), (10, "fixed amount"), (30, "find the first k"),
                          (13.5, "whole number")]:
        verdict = ch05.half_life.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch05.half_life.evaluate(...).status == "not attempted"
    for junk in (None, "fourteen", float("nan"), np.ones(3)):
        assert ch05.half_life.evaluate(junk).status == "incorrect"


def test_torch_shape():
    assert ch05.torch_shape.evaluate(torch.nn.GRU(10, 32).weight_hh_l0.shape).correct
    for answer, words in [((32, 32), "one block"), ((96, 10), "weight_ih_l0"), ((128, 32), "LSTM"),
                          ((3, 32, 32), "one 2-D tensor"), ((96, 42), "lecture's stacked"), ((1, 2), "not the shape")]:
        verdict = ch05.torch_shape.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch05.torch_shape.evaluate(...).status == "not attempted"
    for junk in (None, "96, 32", (96.5, 32)):
        assert ch05.torch_shape.evaluate(junk).status == "incorrect"


def test_state_difference_against_the_recipe_budget():
    from lecturelib.recipes import count_recipe_parameters, hidden_for_budget

    ex = ch05.state_difference
    # the cells alone: a readout of 0 outputs is what count_recipe_parameters gives with n_out = 0
    n_gru = hidden_for_budget("gru", 2, 0, 2000)
    n_lstm = hidden_for_budget("lstm", 2, 0, 2000)
    assert count_recipe_parameters("gru", 2, n_gru, 0) <= 2000
    assert ex.evaluate(2 * n_lstm - n_gru).correct
    for wrong, word in ((n_lstm - n_gru, "cell"), (n_gru, "same number"), (n_gru - 2 * n_lstm, "minus"),
                        (2 * n_lstm, "subtract")):
        v = ex.evaluate(wrong)
        assert v.status == "incorrect" and word in v.message, (wrong, v.message)
