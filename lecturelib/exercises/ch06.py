"""Exercises of chapter 6, training recurrent networks.

In the notebook: ``from lecturelib.exercises import ch06`` then, e.g.,
``ch06.recurrent_matrix.check(my_recurrent_matrix)``.
"""
from __future__ import annotations

import numpy as np

from ..mrnn import random_mrnn_weights
from . import Exercise, Wrong, call, diagnose, expect_array, expect_number, expect_whole_number


# ------------------------------------------- 1. the multiplicative RNN's matrix

def _cases():
    for seed, (m, n, F) in enumerate([(2, 3, 3), (3, 4, 5), (4, 2, 6)]):  # F == n first
        w = random_mrnn_weights(m, n, F, 1, seed=40 + seed)
        x = np.random.default_rng(400 + seed).normal(size=m)
        yield x, w["W_fx"], w["W_fh"], w["W_hf"]


def _judge_matrix(fn):
    for x, W_fx, W_fh, W_hf in _cases():
        n = W_fh.shape[1]
        got = expect_array(call(fn, x, W_fx, W_fh, W_hf), (n, n), "my_recurrent_matrix")
        gains = W_fx @ x
        right = W_hf @ np.diag(gains) @ W_fh
        mistakes = {
            "the matrix is transposed: W_rec(x) = W_hf diag(W_fx x) W_fh maps h (through W_fh first) to the "
            "new pre-activation; you built its transpose.": right.T,
            "the input's gains are missing: without diag(W_fx x) the matrix no longer depends on x.": W_hf @ W_fh,
        }
        if W_fh.shape[0] == n:  # F == n: misplaced gains still give an (n, n) matrix
            mistakes["the gains scale the columns of the product W_hf W_fh; they belong in the middle, on the "
                     "F factors: W_hf diag(W_fx x) W_fh."] = (W_hf @ W_fh) * gains[None, :]
            mistakes["the gains scale the rows of the product W_hf W_fh; they belong in the middle, on the "
                     "F factors: W_hf diag(W_fx x) W_fh."] = gains[:, None] * (W_hf @ W_fh)
            mistakes["the order of the factors is reversed: h_{t-1} meets W_fh first, so W_fh is the "
                     "right-most factor: W_hf diag(W_fx x) W_fh."] = W_fh @ np.diag(gains) @ W_hf
        diagnose(got, right, mistakes,
                 generic="W_rec(x) differs from W_hf diag(W_fx x) W_fh; check the order of the three factors and "
                         "that the gains W_fx x sit on the diagonal of an F x F matrix.")
    return "your W_rec(x) = W_hf diag(W_fx x) W_fh matches on three random cases."


recurrent_matrix = Exercise(
    "ex-mrnn-matrix", "the input-dependent recurrent matrix", handle="ch06.recurrent_matrix",
    judge=_judge_matrix,
    hints=["The factor gains are W_fx @ x, one per factor (F of them).",
           "np.diag(gains) is the F x F matrix; multiply W_hf, it, and W_fh in that order."],
    solution="""
    def my_recurrent_matrix(x, W_fx, W_fh, W_hf):
        return W_hf @ np.diag(W_fx @ x) @ W_fh
    """,
)


# --------------------------------------------------- 2. a matched budget

BUDGET_VANILLA = dict(n_in=2, n_hidden=64)


def _cell(blocks, n, m, bias=True):
    return blocks * (n * (n + m) + (n if bias else 0))


def _largest(blocks, m, budget, bias=True):
    n = 0
    while _cell(blocks, n + 1, m, bias) <= budget:
        n += 1
    return n


def _judge_budget(answer):
    m, nv = BUDGET_VANILLA["n_in"], BUDGET_VANILLA["n_hidden"]
    value = expect_whole_number(answer, " of hidden units")
    budget = _cell(1, nv, m)
    right = _largest(4, m, budget)
    diagnose(value, right, {
        f"{right + 1} units give {_cell(4, right + 1, m)} parameters, more than the vanilla RNN's {budget}; "
        "the question asks for the largest size within the budget.": right + 1,
        f"a quarter of the units is not a quarter of the parameters: the count grows like n², so four "
        f"times fewer parameters means about half the units, not {nv // 4}.": nv // 4,
        "three blocks is the GRU; the LSTM has four.": _largest(3, m, budget),
    }, rtol=0, atol=0.5, generic=f"an LSTM with {int(value)} units has {_cell(4, int(value), m)} cell parameters; "
                                 f"the budget is {budget}. Find the largest n with 4 (n (n + {m}) + n) <= {budget}.")
    return (f"n = {right}: {_cell(4, right, m)} <= {budget} < {_cell(4, right + 1, m)} "
            f"(n = {right + 1}).")


matched_budget = Exercise(
    "ex-budget", "an LSTM on the vanilla RNN's budget", handle="ch06.matched_budget", judge=_judge_budget,
    hints=["The vanilla RNN's cell has n (n + m) + n parameters (W_rec, W_in, b); the LSTM's four times as many "
           "for its own n.",
           "Try n = 30, 31, 32, ... until 4 (n (n + 2) + n) exceeds the budget."],
    solution="""
    budget = 64 * (64 + 2) + 64          # the vanilla RNN's cell: 4288
    n = 1
    while 4 * ((n + 1) * (n + 1 + 2) + (n + 1)) <= budget:
        n += 1
    answer = n                            # 31
    """,
)


# --------------------------------------------------- 3. conjugate gradient

CG_EIGENVALUES = (1.0, 1.0, 2.0, 2.0, 2.0, 5.0, 5.0, 9.0)


def _judge_cg(answer):
    value = expect_whole_number(answer, " of iterations")
    distinct = len(set(CG_EIGENVALUES))
    diagnose(value, distinct, {
        f"{len(CG_EIGENVALUES)} is the size of the matrix, the bound for any symmetric positive definite "
        "matrix; with repeated eigenvalues CG needs fewer iterations.": len(CG_EIGENVALUES),
        "one iteration suffices only when all eigenvalues are equal (A = λ I).": 1,
        f"{distinct - 1} is one too few: CG needs one iteration per distinct eigenvalue (when b has a "
        "component along each eigenspace).": distinct - 1,
    }, rtol=0, atol=0.5, generic="count the distinct eigenvalues of A.")
    return (f"{distinct} iterations: the error after k iterations is p(A) e_0 for the best polynomial p of degree "
            f"k with p(0) = 1, and a polynomial with roots at the {distinct} distinct eigenvalues makes it zero.")


cg_iterations = Exercise(
    "ex-cg-iterations", "how many CG iterations", handle="ch06.cg_iterations", judge=_judge_cg,
    hints=["After k iterations the error of CG is the smallest p(A) e_0 over polynomials p of degree k with p(0) = 1.",
           "A polynomial that is zero at every distinct eigenvalue of A kills the error completely."],
    solution="""
    answer = len({1, 2, 5, 9})   # one iteration per distinct eigenvalue: 4
    """,
)

ALL = [recurrent_matrix, matched_budget, cg_iterations]


# ------------------------------------------------------------ discussion: a fair comparison

from .discussion import choice_exercise  # noqa: E402

fair_budget = choice_exercise(
    "ex-fair-budget", "equal parameters, not equal units", handle="ch06.fair_budget",
    choices={"a": "equal units would make the vanilla RNN too slow to train",
             "b": "with equal units the LSTM would have four times the vanilla RNN's parameters, so a win could "
                  "come from capacity rather than from the recipe",
             "c": "PyTorch cannot build an LSTM and an RNN with the same hidden size",
             "d": "gated cells need fewer units to reach the same loss, so giving them more would be unfair"},
    right="b",
    why_not={"a": "a vanilla RNN step is the cheapest of all; speed is not why the budget is fixed.",
             "c": "it can: nn.LSTM(m, n) and nn.RNN(m, n) take any n.",
             "d": "that is what the comparison is meant to find out; assuming it would decide the result before "
                  "the experiment."},
    because="each gate is a vanilla cell's worth of weights, so equal units give the LSTM 4x, the GRU 3x the "
            "parameters; fixing the budget leaves the recipe as the only difference.",
    hints=["Count: how many parameters does each recipe have with the same n?",
           "A comparison should differ in one thing only."])
ALL.append(fair_budget)
