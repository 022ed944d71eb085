"""Chapter 1's checkers reject the plausible mistakes, each with its own message."""
import numpy as np
import pytest

from lecturelib.exercises import ch01


def _step(mistake):
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    variants = {
        "tanh": lambda h, x, Wr, Wi, b: np.tanh(Wr @ h + Wi @ x + b),
        "no nonlinearity": lambda h, x, Wr, Wi, b: Wr @ h + Wi @ x + b,
        "bias b is missing": lambda h, x, Wr, Wi, b: relu(Wr @ h + Wi @ x),
        "added after the relu": lambda h, x, Wr, Wi, b: relu(Wr @ h + Wi @ x) + b,
        "W_rec is transposed": lambda h, x, Wr, Wi, b: relu(Wr.T @ h + Wi @ x + b),
        "recurrent term W_rec h_prev is missing": lambda h, x, Wr, Wi, b: relu(Wi @ x + b),
        "input term W_in x is missing": lambda h, x, Wr, Wi, b: relu(Wr @ h + b),
        "raised ValueError": lambda h, x, Wr, Wi, b: relu(Wr @ h + Wi.T @ x + b),
        "has shape (1,": lambda h, x, Wr, Wi, b: relu(Wr @ h + Wi @ x + b)[None],
        "torch Tensor": lambda h, x, Wr, Wi, b: __import__("torch").as_tensor(relu(Wr @ h + Wi @ x + b)),
    }
    return variants[mistake]


@pytest.mark.parametrize("mistake", ["tanh", "no nonlinearity", "bias b is missing", "added after the relu",
                                     "W_rec is transposed", "recurrent term W_rec h_prev is missing",
                                     "input term W_in x is missing", "raised ValueError", "has shape (1,",
                                     "torch Tensor"])
def test_rnn_step_mistakes_are_named(mistake):
    verdict = ch01.rnn_step.evaluate(_step(mistake))
    assert verdict.status == "incorrect" and mistake in verdict.message, verdict.message


def test_rnn_step_accepts_batched_implementation_too():
    # A student who writes the row-vector form still passes on single vectors.
    assert ch01.rnn_step.evaluate(lambda h, x, Wr, Wi, b: np.maximum(h @ Wr.T + x @ Wi.T + b, 0)).correct


@pytest.mark.parametrize("answer, words", [
    ((10 * 32 + 32 * 32 + 32 + 5 * 32) * 20, "same weights serve every step"),
    (10 * 32 + 32 + 5 * 32, "W_rec is missing"),
    (10 * 32 + 32 * 32 + 5 * 32, "bias b"),
    (10 * 32 + 32 * 32 + 32, "W_out is missing"),
    (10 * 32 + 32 * 32 + 32 + 5 * 32 + 5, "has no bias"),
    (10 * 32 + 32 * 32 + 64 + 5 * 32, "two biases"),
    (1536.5, "whole number"),
    (999, "Add up the entries"),
])
def test_parameter_count_mistakes_are_named(answer, words):
    verdict = ch01.parameter_count.evaluate(answer)
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def _lecture_run(h, steps, W=None, relu=True):
    W = np.array([[1, 0, 0, 0.4], [0.9, 0, 0.6, 0.5], [0, 0, 0, 0.3], [0, 0.8, 0, 0.7]]) if W is None else W
    for _ in range(steps):
        h = W @ h
        h = np.maximum(h, 0) if relu else h
    return h


def test_lecture_state_reference_computed_independently():
    # h_3 from h_0 = (1, -1, 2, 0.5), computed by hand step by step:
    # h_1 = relu(1.2, 2.35, 0.15, -0.45) = (1.2, 2.35, 0.15, 0);  h_2 = (1.2, 1.17, 0, 1.88)
    # h_3 = (1.2 + 0.4 * 1.88, 0.9 * 1.2 + 0.5 * 1.88, 0.3 * 1.88, 0.8 * 1.17 + 0.7 * 1.88)
    by_hand = [1.952, 2.02, 0.564, 2.252]
    assert ch01.lecture_state.evaluate(by_hand).correct
    np.testing.assert_allclose(_lecture_run(np.array([1.0, -1, 2, 0.5]), 3), by_hand)


@pytest.mark.parametrize("make, words", [
    (lambda h: _lecture_run(h, 2), "one step too few"),
    (lambda h: _lecture_run(h, 4), "one step too many"),
    (lambda h: _lecture_run(h, 3, relu=False), "relu is missing"),
    (lambda h: _lecture_run(h, 3, W=np.array([[1, 0, 0, 0.4], [0.9, 0, 0.6, 0.5], [0, 0, 0, 0.3],
                                                [0, 0.8, 0, 0.7]]).T), "transposed"),
    (lambda h: _lecture_run(h, 3)[:3], "has shape (3,)"),
])
def test_lecture_state_mistakes_are_named(make, words):
    verdict = ch01.lecture_state.evaluate(make(np.array([1.0, -1.0, 2.0, 0.5])))
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


@pytest.mark.parametrize("answer, words", [
    ((7, 3, 5), "states hs"), ((3, 7, 4), "batch-first"), ((7, 4), "batch axis is missing"),
    ((7, 3, 2), "input's shape"), ((1, 2, 3), "not the shape"), ("7,3,4", "a tuple of integers"),
])
def test_output_shape_mistakes_are_named(answer, words):
    verdict = ch01.output_shape.evaluate(answer)
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_output_shape_accepts_list_and_tuple():
    assert ch01.output_shape.evaluate([7, 3, 4]).correct


def test_any_length_names_each_wrong_reasoning():
    ex = ch01.any_length
    assert ex.evaluate("b").correct and ex.evaluate(" (B) ").correct
    for letter, word in (("a", "time index"), ("c", "cut"), ("d", "fixed")):
        v = ex.evaluate(letter)
        assert v.status == "incorrect" and word in v.message, (letter, v.message)
    assert "not one of the choices" in ex.evaluate("e").message
    assert "one letter" in ex.evaluate(2).message
