"""Exercises of chapter 2, backpropagation through time.

In the notebook: ``from lecturelib.exercises import ch02`` then, e.g.,
``ch02.backward_step.check(backward_step)``.
"""
from __future__ import annotations

import numpy as np

from ..bptt import bptt_backward, bptt_forward, mse_loss, wrec_contributions
from ..rnn import random_rnn_weights
from . import Exercise, Wrong, call, diagnose, expect_array, expect_number, expect_shape


# --------------------------------------------------------- 1. one backward step

def _step_cases():
    """Random cases with a non-symmetric W_rec and mixed-sign pre-activations (so a missing
    transpose or a missing mask shows), and an upstream gradient of mixed signs."""
    for seed, n in enumerate([4, 5, 3]):
        rng = np.random.default_rng(200 + seed)
        W_rec = rng.normal(size=(n, n))
        a = rng.normal(size=n)
        a[0], a[1] = abs(a[0]) + 0.1, -abs(a[1]) - 0.1          # both signs present
        g = rng.normal(size=n)
        g[1] = abs(g[1]) + 0.1                                   # g > 0 where a < 0
        yield g, a, W_rec


def _judge_step(fn):
    for g, a, W_rec in _step_cases():
        got = expect_array(call(fn, g, a, W_rec), (len(g),), "backward_step")
        mask = (a > 0).astype(float)
        diagnose(got, W_rec.T @ (mask * g), {
            "W_rec is not transposed: the gradient flows backward along the arrows, so it is "
            "W_rec^T (…), i.e. W_rec.T @ (…).": W_rec @ (mask * g),
            "the relu mask is missing: only units whose pre-activation a_t was positive pass gradient back.":
                W_rec.T @ g,
            "the mask must test the pre-activation a_t, not the incoming gradient dL/dh_t.":
                W_rec.T @ ((g > 0) * g),
            "the mask is applied after the product; it belongs to h_t's units, before multiplying by W_rec^T.":
                mask * (W_rec.T @ g),
            "that is the tanh derivative 1 - tanh(a)²; the lecture's RNN uses relu, whose derivative is 1[a > 0].":
                W_rec.T @ ((1 - np.tanh(a) ** 2) * g),
            "you multiplied by relu(a_t) instead of its derivative 1[a_t > 0].":
                W_rec.T @ (np.maximum(a, 0) * g),
        }, generic="the values differ from W_rec^T (1[a_t > 0] ⊙ dL/dh_t); compute the masked gradient "
                   "first, then multiply by the transpose.")
    return "dL/dh_{t-1} = W_rec^T (1[a_t > 0] ⊙ dL/dh_t), the lecture's recursion."


backward_step = Exercise(
    "ex-bptt-step", "one backward step", handle="ch02.backward_step", judge=_judge_step,
    hints=["Two operations: the relu lets gradient through only where a_t > 0; then the matrix "
           "W_rec carries it from h_t back to h_{t-1}.",
           "Going backward through h_t = relu(W_rec h_{t-1} + …) multiplies by the transpose: "
           "`W_rec.T @ ((a_t > 0) * g)`."],
    solution="""
    def backward_step(g, a, W_rec):
        return W_rec.T @ ((a > 0) * g)
    """,
)


# ------------------------------------------------------ 2. counting the paths

COUNT_T = 6


def _judge_count(answer):
    T = COUNT_T
    value = expect_number(answer)
    # the number of pairs (s, t) with a non-zero term dL_s/dW_rec^(t), from the library
    w = random_rnn_weights(1, 3, 1, seed=0, scale=1.0)
    w["b"] = np.abs(w["b"]) + 1.0            # keep every relu unit active: no accidental zeros
    rng = np.random.default_rng(0)
    xs, ys = np.abs(rng.normal(size=(T, 1, 1))), rng.normal(size=(T, 1, 1))
    zs, cache = bptt_forward(xs, **w, h0=np.ones((1, 3)))   # h0 != 0: step 1's term is not zero
    C = wrec_contributions(cache, mse_loss(zs, ys, "every")[1])
    right = int(np.sum(np.any(C != 0, axis=(2, 3))))
    diagnose(value, right, {
        f"that counts every pair (s, t), {T}·{T}; but L_s does not depend on the steps after s.": T * T,
        f"that counts only s = t (or only the last loss L_T); with a loss on every step, L_s also reaches "
        f"the copies of W_rec at every earlier step t < s.": T,
        f"that counts only t < s: the step t = s itself counts too (h_s = relu(W_rec h_(s-1) + …)).":
            T * (T - 1) // 2,
        f"off by one step: with T = {T} there are {T} losses and {T} uses of W_rec.": (T + 1) * (T + 2) // 2,
    }, rtol=0, atol=0.5, generic="not the count. List, for each loss L_s, the steps t at which W_rec "
                                 "acted before L_s was computed.")
    return f"{right} = 1 + 2 + … + {T}: loss L_s reaches the copies of W_rec at steps 1, …, s."


path_count = Exercise(
    "ex-bptt-count", "counting the terms", handle="ch02.path_count", judge=_judge_count,
    hints=["W_rec is used once at every step t = 1 … T. Loss L_s depends on the uses at steps t ≤ s only.",
           "Sum over s of the number of steps t with t ≤ s."],
    solution="""
    answer = sum(s for s in range(1, 7))   # L_s reaches W_rec at steps 1..s: 1 + 2 + ... + 6 = 21
    """,
)


# ------------------------------------------------------- 3. a shape

SHAPE_SIZES = dict(T=7, n_hidden=5)


def _judge_shape(answer):
    T, n = SHAPE_SIZES["T"], SHAPE_SIZES["n_hidden"]
    got = expect_shape(answer)
    w = random_rnn_weights(2, n, 1, seed=0)
    zs, cache = bptt_forward(np.zeros((T, 1, 2)), **w)
    right = wrec_contributions(cache, np.zeros_like(zs)).shape
    mistakes = {
        (T, n, n): "that would be one term per step t; here each loss L_s has its own term for every t.",
        (n, n): "that is the shape of the summed gradient dL/dW_rec; the function keeps every term apart.",
        (T, T): "the last two axes are missing: each term is itself a matrix shaped like W_rec.",
        (T, T, n): "each term is a matrix shaped like W_rec (n × n), not a vector.",
    }
    if got == right:
        return f"{right}: one ({n} × {n}) matrix for every loss s and every step t."
    raise Wrong(mistakes.get(got, f"{got} is not the shape; think of one W_rec-shaped matrix per pair (s, t)."))


contributions_shape = Exercise(
    "ex-bptt-shape", "the shape of the contributions", handle="ch02.contributions_shape",
    judge=_judge_shape,
    hints=["wrec_contributions(cache, dzs)[s-1, t-1] is the term dL_s/dW_rec through step t.",
           "Each term has the shape of W_rec."],
    solution="""
    answer = (7, 7, 5, 5)   # (loss s, step t, n_hidden, n_hidden)
    """,
)


# ------------------------------------------------- 4. dL/dW_rec from the deltas

GRAD_SIZES = dict(T=5, B=1, m=2, n=4)


def _grad_case(seed=3):
    T, B, m, n = GRAD_SIZES.values()
    w = random_rnn_weights(m, n, 2, seed=seed, scale=1.0)
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, B, m))
    zs, cache = bptt_forward(xs, **w, h0=rng.normal(size=(B, n)))
    _, dz = mse_loss(zs, rng.normal(size=(T, B, 2)), "every")
    grads, dh = bptt_backward(cache, dz, return_state_grads=True)
    return cache["hs"][:, 0], cache["a"][:, 0], dh[1:, 0], grads["W_rec"]


def _judge_grad(fn):
    hs, a, g, right = _grad_case()
    got = expect_array(call(fn, hs, a, g), right.shape, "wrec_gradient")
    da = (a > 0) * g                       # (T, n): f'(a_t) ⊙ dL/dh_t
    diagnose(got, right, {
        "you paired da_t with h_t; the weight W_rec multiplies the previous state, so use h_{t-1} "
        "(hs[t - 1] when hs[0] = h0).": da.T @ hs[1:],
        "the result is transposed: the term for step t is the outer product da_t h_{t-1}^T "
        "(rows: units receiving, columns: units sending).": (da.T @ hs[:-1]).T,
        "the relu mask is missing: multiply dL/dh_t by 1[a_t > 0] before the outer product.": g.T @ hs[:-1],
        "only the last step is there; dL/dW_rec sums the terms of all T steps.": np.outer(da[-1], hs[-2]),
        "only the first step is there; dL/dW_rec sums the terms of all T steps.": np.outer(da[0], hs[0]),
    }, generic="the values differ from Σ_t (1[a_t > 0] ⊙ dL/dh_t) h_{t-1}^T.")
    return "dL/dW_rec = Σ_t (1[a_t > 0] ⊙ dL/dh_t) h_{t-1}^T, the sum over every step's copy of W_rec."


wrec_gradient = Exercise(
    "ex-bptt-wrec", "the gradient of W_rec", handle="ch02.wrec_gradient", judge=_judge_grad,
    hints=["At step t the pre-activation a_t = W_rec h_{t-1} + …, so dL/dW_rec gets "
           "(dL/da_t) h_{t-1}^T, an outer product.",
           "dL/da_t = (a_t > 0) * dL/dh_t. With hs[0] = h0, the previous state of step t (t = 1 … T) is "
           "hs[t - 1], and a[t - 1], g[t - 1] belong to step t."],
    solution="""
    def wrec_gradient(hs, a, g):
        T = a.shape[0]
        total = np.zeros((a.shape[1], a.shape[1]))
        for t in range(T):
            total += np.outer((a[t] > 0) * g[t], hs[t])
        return total
    """,
)

ALL = [backward_step, path_count, contributions_shape, wrec_gradient]


# ------------------------------------------------------------ discussion: BPTT's memory


BPTT_MEMORY = dict(T=1000, B=32, n=256, bytes_per_number=4)


def _judge_bptt_memory(answer):
    T, B, n, size = (BPTT_MEMORY[k] for k in ("T", "B", "n", "bytes_per_number"))
    value = expect_number(answer)
    right = ((T + 1) + T) * B * n * size / 1e6
    diagnose(value, right, {
        "that counts the states h_0..h_T only; the pre-activations a_1..a_T are kept too (relu' is taken there).":
            (T + 1) * B * n * size / 1e6,
        "that counts the pre-activations only; the states h_{t-1} are kept too (they multiply W_rec in the gradient).":
            T * B * n * size / 1e6,
        "that is in bits (or 8 bytes a number): float32 is 4 bytes.": ((T + 1) + T) * B * n * 8 / 1e6,
        "that is for a single sequence; the batch of 32 multiplies it.": ((T + 1) + T) * n * size / 1e6,
        "that is in bytes; the question asks for megabytes (10^6 bytes).": ((T + 1) + T) * B * n * size,
        "that uses 2^20 bytes per megabyte; the question counts 10^6.": ((T + 1) + T) * B * n * size / 2 ** 20,
    }, rtol=2e-2, atol=0, generic="count the numbers in h_0..h_T and a_1..a_T, times the batch, times 4 bytes.")
    return (f"{right:.1f} MB, and it grows linearly with T: a stream of a million steps would need 65 GB, which is "
            f"why long streams are trained with truncated BPTT.")



bptt_memory = Exercise(
    "ex-bptt-memory", "what BPTT must remember", handle="ch02.bptt_memory", judge=_judge_bptt_memory,
    hints=["The cache holds h_0, ..., h_T (T + 1 vectors) and a_1, ..., a_T (T vectors), each of n numbers, "
           "for each of the B sequences.",
           "(2T + 1) · B · n numbers, 4 bytes each, divided by 10^6."],
    solution="""
    T, B, n = 1000, 32, 256
    answer = (2 * T + 1) * B * n * 4 / 1e6   # h_0..h_T and a_1..a_T, float32, in MB
    """,
)
ALL.append(bptt_memory)
