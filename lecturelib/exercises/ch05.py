"""Exercises of chapter 5, the GRU.

In the notebook: ``from lecturelib.exercises import ch05`` then, e.g., ``ch05.gru_step.check(my_gru_step)``.
"""
from __future__ import annotations

import math

import numpy as np

from ..gru import count_gru_parameters, count_mgu_parameters, random_gru_weights
from ..lstm import count_lstm_parameters
from . import Exercise, Wrong, call, diagnose, expect_array, expect_number, expect_whole_number, expect_shape

sigmoid = lambda a: 0.5 * (1.0 + np.tanh(0.5 * np.asarray(a, dtype=float)))  # noqa: E731


# ------------------------------------------------------------------ 1. one step

def _cases():
    for seed, (n, m) in enumerate([(3, 3), (4, 3), (5, 2)]):
        w = random_gru_weights(m, n, seed=seed + 20, scale=1.0)
        rng = np.random.default_rng(300 + seed)
        yield rng.normal(size=n), rng.normal(size=m), w


def _variants(h, x, w):
    n = len(h)
    hx = np.concatenate([h, x])
    r = sigmoid(w["W_r"] @ hx + w["b_r"])
    u = sigmoid(w["W_u"] @ hx + w["b_u"])
    Wh_rec, Wh_in = w["W_h"][:, :n], w["W_h"][:, n:]
    cand = np.tanh(w["W_h"] @ np.concatenate([r * h, x]) + w["b_h"])
    right = u * h + (1 - u) * cand
    cand_after = np.tanh(Wh_in @ x + w["b_h"] + r * (Wh_rec @ h))
    cand_plain = np.tanh(w["W_h"] @ hx + w["b_h"])
    mistakes = {
        "the reset gate is applied after the recurrent matrix (torch's form); the lecture multiplies "
        "r_t * h_{t-1} first and then applies W_h.": u * h + (1 - u) * cand_after,
        "u_t and 1 - u_t are swapped: h_t = u_t * h_{t-1} + (1 - u_t) * candidate (u near 1 keeps the state).":
            (1 - u) * h + u * cand,
        "the reset gate is missing from the candidate: use [r_t * h_{t-1}; x_t].": u * h + (1 - u) * cand_plain,
        "you returned the candidate; h_t mixes it with h_{t-1} through the update gate.": cand,
        "the candidate uses a sigmoid; it is tanh.":
            u * h + (1 - u) * sigmoid(w["W_h"] @ np.concatenate([r * h, x]) + w["b_h"]),
    }
    if len(x) == n:
        mistakes["the reset gate must multiply h_{t-1} only, not the input x_t as well."] = (
            u * h + (1 - u) * np.tanh(w["W_h"] @ np.concatenate([r * h, r * x]) + w["b_h"]))
    return right, mistakes


def _judge_step(fn):
    for h, x, w in _cases():
        got = expect_array(call(fn, h, x, dict(w)), h.shape, "my_gru_step")
        right, mistakes = _variants(h, x, w)
        diagnose(got, right, mistakes, generic="h_t differs from the lecture's four equations; compute r_t, u_t, "
                                               "the candidate and h_t separately and compare with a hand calculation.")
    return "your step follows the lecture's GRU (reset before the recurrent matrix) on three random cases."


gru_step = Exercise(
    "ex-gru-step", "one GRU step", handle="ch05.gru_step", judge=_judge_step,
    hints=["The gates r and u are sigmoids of W_g @ [h_prev; x] + b_g.",
           "The candidate is tanh(W_h @ [r * h_prev; x] + b_h); then h = u * h_prev + (1 - u) * candidate."],
    solution="""
    def my_gru_step(h_prev, x, w):
        sig = lambda a: 1 / (1 + np.exp(-a))
        hx = np.concatenate([h_prev, x])
        r = sig(w["W_r"] @ hx + w["b_r"])
        u = sig(w["W_u"] @ hx + w["b_u"])
        cand = np.tanh(w["W_h"] @ np.concatenate([r * h_prev, x]) + w["b_h"])
        return u * h_prev + (1 - u) * cand
    """,
)


# ------------------------------------------------------------ 2. parameter count

COUNT_SIZES = dict(n_in=10, n_hidden=32)


def _judge_count(answer):
    m, n = COUNT_SIZES["n_in"], COUNT_SIZES["n_hidden"]
    value = expect_whole_number(answer, "; a parameter count is an integer")
    right = count_gru_parameters(m, n)
    block = n * (n + m) + n
    diagnose(value, right, {
        "that is torch.nn.GRU's count, with two biases per block; the lecture's GRU has one per block.": right + 3 * n,
        "that is the after-form with its extra recurrent candidate bias b_rh; the lecture's GRU has none.": right + n,
        "that is the LSTM's count (four blocks); the GRU has three: r, u and the candidate.":
            count_lstm_parameters(m, n),
        "that is the minimal gated unit's count (two blocks); the GRU has three.": count_mgu_parameters(m, n),
        "that is the vanilla RNN's count; the GRU has three such blocks.": block,
        "the biases are missing: b_r, b_u and b_h have n entries each.": 3 * n * (n + m),
    }, rtol=0, atol=0.5, generic="not the count. Three blocks (r, u, candidate), each W (n x (n+m)) and b (n).")
    return f"{right} = 3 · ({n}·({n}+{m}) + {n}), three times the vanilla RNN."


parameter_count = Exercise(
    "ex-gru-count", "GRU parameter count", handle="ch05.parameter_count", judge=_judge_count,
    hints=["Three affine maps of [h_{t-1}; x_t] (the candidate's acts on [r * h_{t-1}; x_t], same size).",
           "Each is n x (n + m) plus a bias of n."],
    solution="""
    answer = 3 * (32 * (32 + 10) + 32)   # r, u and the candidate: 4128
    """,
)


# ------------------------------------------------------ 3. how long a memory lasts

HALF_U = 0.95


def _judge_half_life(answer):
    value = expect_whole_number(answer, " of steps; count the steps until the state first drops below half")
    right = math.ceil(math.log(0.5) / math.log(HALF_U))
    diagnose(value, right, {
        f"after {right - 1} steps {HALF_U}^{right - 1} = {HALF_U ** (right - 1):.3f} is still above one half; "
        "count the first step at which it falls below.": right - 1,
        f"with u_t = {HALF_U} the state keeps {HALF_U:.0%} per step; you used 1 - u_t = {1 - HALF_U:.2f} as the "
        "fraction kept.": max(1, math.ceil(math.log(0.5) / math.log(1 - HALF_U))),
        f"0.5 / {1 - HALF_U:.2f} = 10 assumes the state loses a fixed amount per step; it loses a fixed "
        "fraction, so it decays geometrically.": round(0.5 / (1 - HALF_U)),
    }, rtol=0, atol=0.5, generic=f"{HALF_U}^{int(value)} = {HALF_U ** value:.3f}; find the first k with "
                                 f"{HALF_U}^k < 0.5.")
    return f"{HALF_U}^{right} = {HALF_U ** right:.3f} < 0.5 but {HALF_U}^{right - 1} = {HALF_U ** (right - 1):.3f}."


half_life = Exercise(
    "ex-gru-half-life", "how long the update gate keeps a memory", handle="ch05.half_life",
    judge=_judge_half_life,
    hints=["With a zero candidate, h_t = u_t h_{t-1}: each step multiplies the state by u_t.",
           f"Find the first k with {HALF_U}^k < 0.5, e.g. with np.log."],
    solution="""
    k = 1
    while 0.95 ** k >= 0.5:
        k += 1
    answer = k   # 14 steps
    """,
)


# ------------------------------------------------- 4. torch.nn.GRU's recurrent weights

TORCH_SIZES = dict(input_size=10, hidden_size=32)


def _judge_torch_shape(answer):
    m, n = TORCH_SIZES["input_size"], TORCH_SIZES["hidden_size"]
    got = expect_shape(answer)
    right = (3 * n, n)
    mistakes = {
        (n, n): "that is one block; torch stacks the three blocks (r, z, n) along the rows.",
        (3 * n, m): "that is weight_ih_l0, which acts on the input; weight_hh_l0 acts on h_{t-1}.",
        (4 * n, n): "four blocks is the LSTM; the GRU has three (r, z, n).",
        (3, n, n): "torch keeps the three blocks in one 2-D tensor, stacked along the rows.",
        (3 * n, n + m): "that is the lecture's stacked [W_rec W_in]; torch keeps the recurrent part on its own.",
    }
    if got == right:
        return f"weight_hh_l0 is ({3 * n}, {n}): the recurrent blocks of r, u (torch's z) and the candidate (n)."
    raise Wrong(mistakes.get(got, f"{got} is not the shape; think of 3 blocks, each mapping {n} state entries to {n} units."))


torch_shape = Exercise(
    "ex-gru-torch-shape", "nn.GRU's recurrent weights", handle="ch05.torch_shape", judge=_judge_torch_shape,
    hints=["torch stores a linear map from a inputs to b outputs as a (b, a) matrix.",
           "weight_hh_l0 acts on h_{t-1}; the three blocks are stacked along the rows."],
    solution="""
    answer = (3 * 32, 32)   # blocks r, z (our u) and n (our candidate), each (hidden, hidden)
    """,
)

ALL = [gru_step, parameter_count, half_life, torch_shape]


# ------------------------------------------------------------ discussion: memory at equal parameters


STATE_BUDGET = dict(m=2, budget=2000)


def _largest_n(blocks, m, budget):
    n = 0
    while blocks * ((n + 1) * (n + 1 + m) + (n + 1)) <= budget:
        n += 1
    return n


def _judge_state_difference(answer):
    m, budget = STATE_BUDGET["m"], STATE_BUDGET["budget"]
    value = expect_number(answer)
    n_gru, n_lstm = _largest_n(3, m, budget), _largest_n(4, m, budget)
    right = 2 * n_lstm - n_gru
    diagnose(value, right, {
        "that compares the hidden sizes only; the LSTM carries its cell c_t as well as h_t.": n_lstm - n_gru,
        "that gives both cells the same number of units; at equal parameters the GRU gets more.": n_gru,
        "that is the GRU's state minus the LSTM's.": -right,
        "that is the LSTM's state alone; subtract the GRU's.": 2 * n_lstm,
    }, rtol=0, atol=0.5, generic=f"find each cell's largest n within {budget} parameters, then compare "
                                 f"2 n_LSTM (h and c) with n_GRU.")
    return (f"the LSTM ({n_lstm} units) carries {2 * n_lstm} numbers, the GRU ({n_gru} units) {n_gru}: "
            f"{right} more. The lecture's 'less memory' holds for the state; the bench in this chapter "
            f"also measures what training keeps per step.")


state_difference = Exercise(
    "ex-gru-state-memory", "state size at equal parameters", handle="ch05.state_difference",
    judge=_judge_state_difference,
    hints=["A GRU cell has 3 (n(n+m) + n) parameters, an LSTM cell 4 (n(n+m) + n). Find each one's largest n "
           "within the budget.",
           "From step to step a GRU carries h_t (n numbers), an LSTM h_t and c_t (2n)."],
    solution="""
    def largest(blocks, m=2, budget=2000):
        n = 0
        while blocks * ((n + 1) * (n + 1 + m) + (n + 1)) <= budget:
            n += 1
        return n

    answer = 2 * largest(4) - largest(3)   # LSTM: h and c; GRU: h only
    """,
)
ALL.append(state_difference)
