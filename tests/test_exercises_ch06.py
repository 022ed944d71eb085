"""Chapter 6's checkers accept the reference and reject plausible mistakes, each with its own message."""
import numpy as np
import pytest
import torch

from lecturelib.exercises import ch06
from lecturelib.mrnn import recurrent_matrix


def test_recurrent_matrix_accepts_reference_and_lecturelib():
    assert ch06.recurrent_matrix.evaluate(lambda x, W_fx, W_fh, W_hf: W_hf @ np.diag(W_fx @ x) @ W_fh).correct
    assert ch06.recurrent_matrix.evaluate(lambda x, W_fx, W_fh, W_hf: (W_hf * (W_fx @ x)) @ W_fh).correct
    lib = lambda x, W_fx, W_fh, W_hf: recurrent_matrix(  # noqa: E731
        x, {"W_in": np.zeros((W_fh.shape[1], len(x))), "W_fx": W_fx, "W_fh": W_fh, "W_hf": W_hf,
            "b": np.zeros(W_fh.shape[1]), "W_out": np.zeros((1, W_fh.shape[1]))})
    assert ch06.recurrent_matrix.evaluate(lib).correct


@pytest.mark.parametrize("fn, words", [
    (lambda x, W_fx, W_fh, W_hf: (W_hf @ np.diag(W_fx @ x) @ W_fh).T, "transposed"),
    (lambda x, W_fx, W_fh, W_hf: W_hf @ W_fh, "gains are missing"),
    (lambda x, W_fx, W_fh, W_hf: (W_hf @ W_fh) * (W_fx @ x)[None, :], "columns"),
    (lambda x, W_fx, W_fh, W_hf: (W_fx @ x)[:, None] * (W_hf @ W_fh), "rows"),
    (lambda x, W_fx, W_fh, W_hf: W_hf @ np.diag(W_fx @ x) @ W_fh + 1, "differs"),
    (lambda x, W_fx, W_fh, W_hf: W_fh @ np.diag(W_fx @ x) @ W_hf, "reversed"),
    (lambda x, W_fx, W_fh, W_hf: W_hf @ np.diag(x) @ W_fh, "raised ValueError"),
    (lambda x, W_fx, W_fh, W_hf: torch.tensor(W_hf @ W_fh), "torch"),
])
def test_recurrent_matrix_mistakes(fn, words):
    verdict = ch06.recurrent_matrix.evaluate(fn)
    assert verdict.status == "incorrect" and words in verdict.message, verdict.message


def test_recurrent_matrix_stub_and_junk():
    def stub(x, W_fx, W_fh, W_hf):
        raise NotImplementedError
    assert ch06.recurrent_matrix.evaluate(stub).status == "not attempted"
    for junk in (None, "W", lambda *a: None, lambda *a: np.full((3, 3), np.nan), lambda *a: np.zeros(9)):
        assert ch06.recurrent_matrix.evaluate(junk).status == "incorrect"


def test_matched_budget():
    budget = 64 * 66 + 64
    right = max(n for n in range(1, 100) if 4 * (n * (n + 2) + n) <= budget)
    assert ch06.matched_budget.evaluate(right).correct
    gru = max(n for n in range(1, 100) if 3 * (n * (n + 2) + n) <= budget)
    for answer, words in [(right + 1, "more than the vanilla"), (16, "grows like n²"), (gru, "GRU"),
                          (20, "Find the largest n"), (31.5, "whole number")]:
        verdict = ch06.matched_budget.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch06.matched_budget.evaluate(...).status == "not attempted"
    for junk in (None, "31 units", [31], float("nan")):
        assert ch06.matched_budget.evaluate(junk).status == "incorrect"


def test_cg_iterations():
    assert ch06.cg_iterations.evaluate(len(set(ch06.CG_EIGENVALUES))).correct
    for answer, words in [(8, "size of the matrix"), (1, "all eigenvalues are equal"), (3, "one too few"),
                          (6, "distinct eigenvalues"), (2.5, "whole number")]:
        verdict = ch06.cg_iterations.evaluate(answer)
        assert verdict.status == "incorrect" and words in verdict.message, verdict.message
    assert ch06.cg_iterations.evaluate(...).status == "not attempted"
    for junk in (None, "four", np.arange(3)):
        assert ch06.cg_iterations.evaluate(junk).status == "incorrect"


def test_cg_answer_is_what_cg_does():
    """The claimed count is what lecturelib's CG needs on a matrix with these eigenvalues (outside check)."""
    from lecturelib.second_order import conjugate_gradient
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    A = Q @ np.diag(ch06.CG_EIGENVALUES) @ Q.T
    _, info = conjugate_gradient(lambda v: A @ v, rng.normal(size=8), iters=20, tol=1e-10)
    assert info["iterations"] == len(set(ch06.CG_EIGENVALUES))


def test_fair_budget_explains_each_wrong_choice():
    ex = ch06.fair_budget
    assert ex.evaluate("b").correct
    for letter, word in (("a", "cheapest"), ("c", "any n"), ("d", "decide")):
        v = ex.evaluate(letter)
        assert v.status == "incorrect" and word in v.message, (letter, v.message)
