"""Chapter 4's checkers accept the reference and reject plausible mistakes, each with its own message."""
import math

import numpy as np
import pytest
import torch

from lecturelib.exercises import ch04

sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731


def _gates(h, x, w, order="hx"):
    hx = np.concatenate([h, x] if order == "hx" else [x, h])
    return (sig(w["W_f"] @ hx + w["b_f"]), sig(w["W_i"] @ hx + w["b_i"]), w["W_v"] @ hx + w["b_v"],
            sig(w["W_o"] @ hx + w["b_o"]))


def _step(mistake):
    def fn(h, c, x, w):
        f, i, a_v, o = _gates(h, x, w, "xh" if mistake == "stacked" else "hx")
        v = sig(a_v) if mistake == "sigmoid" else np.tanh(a_v)
        if mistake == "swapped":
            f, i = i, f
        c_new = (c if mistake == "no forget" else f * c) + (v if mistake == "no input gate" else i * v)
        h_new = o * c_new if mistake == "no tanh" else o * np.tanh(c_new)
        if mistake == "order":
            return c_new, h_new
        if mistake == "single":
            return h_new
        if mistake == "torch":
            return torch.as_tensor(h_new), c_new
        if mistake == "raise":
            raise KeyError("W_g")
        return h_new, c_new
    return fn


def test_lstm_step_accepts_the_reference_and_a_batched_form():
    assert ch04.lstm_step.evaluate(_step(None)).correct
    # the lecture's lecturelib function itself, called through the exercise's signature
    from lecturelib.lstm import lstm_step
    assert ch04.lstm_step.evaluate(lambda h, c, x, w: lstm_step(h, c, x, w)).correct


@pytest.mark.parametrize("mistake, words", [
    ("no tanh", "missing the tanh"), ("sigmoid", "uses a sigmoid"), ("no input gate", "input gate is missing"),
    ("swapped", "swapped"), ("no forget", "forget gate is missing"), ("order", "(c_t, h_t)"),
    ("stacked", "[x_t; h_{t-1}]"), ("single", "return a pair"), ("torch", "torch"), ("raise", "raised KeyError"),
])
def test_lstm_step_mistakes_are_named(mistake, words):
    verdict = ch04.lstm_step.evaluate(_step(mistake))
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_lstm_step_stub_and_junk():
    def stub(h, c, x, w):
        raise NotImplementedError
    assert ch04.lstm_step.evaluate(stub).status == "not attempted"
    for junk in (None, "h", 3, lambda h, c, x, w: None, lambda h, c, x, w: (np.full(len(h), np.nan), c),
                 lambda h, c, x, w: (h[:-1], c), lambda: 1):
        assert ch04.lstm_step.evaluate(junk).status == "incorrect"


@pytest.mark.parametrize("answer, words", [
    (32 * 42 + 32, "vanilla RNN's count"), (5504 + 128, "two biases"), (4 * 32 * 42, "biases are missing"),
    (3 * (32 * 42 + 32), "GRU"), (4 * (320 + 32), "not n x m"), (4 * (1024 + 32), "not n x n"),
    (5504.5, "whole number"), (17, "Each of the four gates"),
])
def test_parameter_count_mistakes(answer, words):
    verdict = ch04.parameter_count.evaluate(answer)
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_parameter_count_right_and_junk():
    assert ch04.parameter_count.evaluate(4 * (32 * 42 + 32)).correct  # computed here from the formula
    assert ch04.parameter_count.evaluate(np.int64(5504)).correct
    assert ch04.parameter_count.evaluate(...).status == "not attempted"
    for junk in (None, "many", [1, 2], float("nan"), torch.ones(2)):
        assert ch04.parameter_count.evaluate(junk).status == "incorrect"


def test_forget_bias():
    f = 0.9 ** 0.01
    assert ch04.forget_bias.evaluate(math.log(f / (1 - f))).correct
    assert sig(math.log(f / (1 - f))) ** 100 == pytest.approx(0.9)
    for answer, words in [(f, "forget gate value f itself"), (math.log(0.9 / 0.1), "after ONE step"),
                          (math.log(f), "natural log"), (math.log(0.999 / 0.001), "first-order approximation"),
                          (3.0, "keeps")]:
        verdict = ch04.forget_bias.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch04.forget_bias.evaluate(...).status == "not attempted"
    for junk in (None, "6.8x", np.array([1.0, 2.0]), float("inf"), -1e300):
        assert ch04.forget_bias.evaluate(junk).status == "incorrect"


def test_torch_shape():
    assert ch04.torch_shape.evaluate(tuple(torch.nn.LSTM(10, 32).weight_ih_l0.shape)).correct
    assert ch04.torch_shape.evaluate(torch.nn.LSTM(10, 32).weight_ih_l0.shape).correct
    for answer, words in [((32, 10), "one gate's block"), ((10, 128), "transposed"), ((128, 42), "lecture's stacked"),
                          ((4, 32, 10), "one 2-D tensor"), ((128, 32), "weight_hh_l0"), ((5, 5), "not the shape")]:
        verdict = ch04.torch_shape.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch04.torch_shape.evaluate(...).status == "not attempted"
    for junk in (None, "128x10", (128.0, 10), {"a": 1}):
        assert ch04.torch_shape.evaluate(junk).status == "incorrect"


def test_highway_part_explains_each_wrong_choice():
    ex = ch04.highway_part
    assert ex.evaluate("b").correct
    for letter, word in (("a", "output gate"), ("c", "tanh'"), ("d", "i_t")):
        v = ex.evaluate(letter)
        assert v.status == "incorrect" and word in v.message, (letter, v.message)
