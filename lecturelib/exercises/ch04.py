"""Exercises of chapter 4, the LSTM.

In the notebook: ``from lecturelib.exercises import ch04`` then, e.g., ``ch04.lstm_step.check(my_lstm_step)``.
"""
from __future__ import annotations

import math

import numpy as np

from ..lstm import count_lstm_parameters, lstm_step as _reference_step, random_lstm_weights
from . import Exercise, NotAttempted, Wrong, call, diagnose, expect_array, expect_number, expect_whole_number, expect_shape

sigmoid = lambda a: 0.5 * (1.0 + np.tanh(0.5 * np.asarray(a, dtype=float)))  # noqa: E731


# ------------------------------------------------------------------ 1. one step

def _cases():
    """Sizes with n != m (a wrongly stacked [x; h] fails loudly only if it still has the right
    length, so we also include n == m), random non-zero c_prev."""
    for seed, (n, m) in enumerate([(4, 3), (3, 3), (5, 2)]):
        w = random_lstm_weights(m, n, seed=seed + 10, scale=1.0)
        rng = np.random.default_rng(200 + seed)
        yield rng.normal(size=n), rng.normal(size=n), rng.normal(size=m), w


def _variants(h, c, x, w):
    """The reference and the values produced by plausible mistakes, all computed from scratch here."""
    n = len(h)
    hx = np.concatenate([h, x])
    a = {g: w[f"W_{g}"] @ hx + w[f"b_{g}"] for g in "fivo"}
    f, i, o = sigmoid(a["f"]), sigmoid(a["i"]), sigmoid(a["o"])
    v = np.tanh(a["v"])
    c_new = f * c + i * v
    right = (o * np.tanh(c_new), c_new)
    out = {
        "h_t = o * c_t is missing the tanh: the read-out is h_t = o_t * tanh(c_t).": (o * c_new, c_new),
        "the value v_t uses a sigmoid; it is tanh, so that it can write negative values too.":
            (o * np.tanh(f * c + i * sigmoid(a["v"])), f * c + i * sigmoid(a["v"])),
        "the input gate is missing: write i_t * v_t, not v_t, into the cell.":
            (o * np.tanh(f * c + v), f * c + v),
        "the forget and input gates are swapped: c_t = f_t * c_{t-1} + i_t * v_t.":
            (o * np.tanh(i * c + f * v), i * c + f * v),
        "the forget gate is missing: c_t = f_t * c_{t-1} + i_t * v_t (the old cell is scaled by f_t).":
            (o * np.tanh(c + i * v), c + i * v),
        "you returned (c_t, h_t); return (h_t, c_t), in that order.": (c_new, o * np.tanh(c_new)),
        "h_t = tanh(o_t * c_t): apply tanh to the cell first, then multiply by the output gate.":
            (np.tanh(o * c_new), c_new),
    }
    xh = np.concatenate([x, h])
    if len(xh) == len(hx):
        b = {g: w[f"W_{g}"] @ xh + w[f"b_{g}"] for g in "fivo"}
        cc = sigmoid(b["f"]) * c + sigmoid(b["i"]) * np.tanh(b["v"])
        out["you stacked [x_t; h_{t-1}]; the lecture's W_g = [W_rec W_in] multiplies [h_{t-1}; x_t]."] = (
            sigmoid(b["o"]) * np.tanh(cc), cc)
    return right, out


def _judge_step(fn):
    for h, c, x, w in _cases():
        got = call(fn, h, c, x, dict(w))
        if got is ...:
            raise NotAttempted("your function returns `...`; replace it with your code")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong(f"return a pair (h_t, c_t); got {type(got).__name__}"
                        + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "") + ".")
        h_got = expect_array(got[0], h.shape, "h_t (first returned value)")
        c_got = expect_array(got[1], h.shape, "c_t (second returned value)")
        right, mistakes = _variants(h, c, x, w)
        both = np.concatenate([h_got, c_got])
        diagnose(both, np.concatenate(right), {msg: np.concatenate(v) for msg, v in mistakes.items()},
                 generic="(h_t, c_t) differ from the lecture's equations; compute the four gates, then c_t, "
                         "then h_t, and compare each with a hand calculation for a small case.")
    return "your step follows the lecture's six equations on three random cases."


lstm_step = Exercise(
    "ex-lstm-step", "one LSTM step", handle="ch04.lstm_step", judge=_judge_step,
    hints=["Stack hx = np.concatenate([h_prev, x]); each gate is a sigmoid (or tanh for v) of W_g @ hx + b_g.",
           "Then c = f * c_prev + i * v and h = o * np.tanh(c); return (h, c)."],
    solution="""
    def my_lstm_step(h_prev, c_prev, x, w):
        hx = np.concatenate([h_prev, x])
        sig = lambda a: 1 / (1 + np.exp(-a))
        f = sig(w["W_f"] @ hx + w["b_f"])
        i = sig(w["W_i"] @ hx + w["b_i"])
        v = np.tanh(w["W_v"] @ hx + w["b_v"])
        o = sig(w["W_o"] @ hx + w["b_o"])
        c = f * c_prev + i * v
        return o * np.tanh(c), c
    """,
)


# ------------------------------------------------------------ 2. parameter count

COUNT_SIZES = dict(n_in=10, n_hidden=32)


def _judge_count(answer):
    m, n = COUNT_SIZES["n_in"], COUNT_SIZES["n_hidden"]
    value = expect_whole_number(answer, "; a parameter count is an integer")
    right = count_lstm_parameters(m, n)
    block = n * (n + m) + n
    diagnose(value, right, {
        "that is the vanilla RNN's count: the LSTM has four such blocks (f, i, v, o).": block,
        "that is torch.nn.LSTM's count, with two biases per gate; the lecture has one b_g per gate.": right + 4 * n,
        "the biases are missing: each gate has a bias b_g of n entries.": 4 * n * (n + m),
        "three blocks is the GRU; the LSTM has four gates (f, i, v and o).": 3 * block,
        "each W_g acts on [h_{t-1}; x_t], so it is n x (n + m), not n x m.": 4 * (n * m + n),
        "each W_g acts on [h_{t-1}; x_t], so it is n x (n + m), not n x n.": 4 * (n * n + n),
    }, rtol=0, atol=0.5, generic="not the count. Each of the four gates has W_g (n x (n+m)) and b_g (n).")
    return f"{right} = 4 · ({n}·({n}+{m}) + {n}), four times the vanilla RNN's {block}."


parameter_count = Exercise(
    "ex-lstm-count", "LSTM parameter count", handle="ch04.parameter_count", judge=_judge_count,
    hints=["Each gate g in (f, i, v, o) has a matrix W_g acting on [h_{t-1}; x_t] and a bias b_g.",
           "W_g is n x (n + m)."],
    solution="""
    answer = 4 * (32 * (32 + 10) + 32)   # four gates, each W_g (n, n+m) and b_g (n,) = 5504
    """,
)


# ------------------------------------------------------- 3. keep a memory

KEEP_STEPS, KEEP_FRACTION = 100, 0.9


def _logit(p):
    return math.log(p / (1 - p))


def _judge_forget_bias(answer):
    value = expect_number(answer)
    f = KEEP_FRACTION ** (1 / KEEP_STEPS)
    right = _logit(f)
    diagnose(value, right, {
        "that is the forget gate value f itself; the question asks for the bias b_f with sigma(b_f) = f.": f,
        f"that keeps {KEEP_FRACTION:.0%} after ONE step; over {KEEP_STEPS} steps the cell is multiplied by f "
        f"{KEEP_STEPS} times, so f^{KEEP_STEPS} = {KEEP_FRACTION}.": _logit(KEEP_FRACTION),
        "you took the natural log of f; the inverse of the sigmoid is the logit, ln(f / (1 - f)).": math.log(f),
        f"f = 1 - {1 - KEEP_FRACTION:.1f}/{KEEP_STEPS} is only the first-order approximation of "
        f"{KEEP_FRACTION}^(1/{KEEP_STEPS}); compute the root exactly.": _logit(1 - (1 - KEEP_FRACTION) / KEEP_STEPS),
    }, rtol=1e-4, atol=6e-3, generic=f"with that bias the cell keeps {sigmoid(value) ** KEEP_STEPS:.4g} of its "
                                     f"content after {KEEP_STEPS} steps; solve sigma(b_f)^{KEEP_STEPS} = {KEEP_FRACTION}.")
    return f"b_f = {right:.3f}: sigma(b_f) = {f:.5f} and {f:.5f}^{KEEP_STEPS} = {KEEP_FRACTION}."


forget_bias = Exercise(
    "ex-lstm-forget-bias", "a forget-gate bias that keeps a memory", handle="ch04.forget_bias",
    judge=_judge_forget_bias,
    hints=[f"With no input, the cell is multiplied by f = sigma(b_f) at every step: c_T = f^T c_0.",
           f"Solve f^{KEEP_STEPS} = {KEEP_FRACTION} for f, then invert the sigmoid: b_f = ln(f / (1 - f))."],
    solution="""
    f = 0.9 ** (1 / 100)            # the forget gate value that keeps 90% over 100 steps
    answer = np.log(f / (1 - f))    # the bias with sigmoid(b_f) = f, about 6.855
    """,
)


# ------------------------------------------------- 4. torch.nn.LSTM's weight shape

TORCH_SIZES = dict(input_size=10, hidden_size=32)


def _judge_torch_shape(answer):
    m, n = TORCH_SIZES["input_size"], TORCH_SIZES["hidden_size"]
    got = expect_shape(answer)
    right = (4 * n, m)
    mistakes = {
        (n, m): "that is one gate's block; torch stacks the four gates (i, f, g, o) along the rows.",
        (m, 4 * n): "transposed: torch stores weights as (out_features, in_features), like nn.Linear.",
        (4 * n, n + m): "that is the lecture's stacked [W_rec W_in]; torch keeps the input part (weight_ih) "
                        "and the recurrent part (weight_hh) in separate tensors.",
        (4, n, m): "torch keeps the four gates in one 2-D tensor, stacked along the rows.",
        (4 * n, n): "that is weight_hh_l0, the recurrent part; weight_ih_l0 acts on the input x_t.",
    }
    if got == right:
        return f"weight_ih_l0 is ({4 * n}, {m}): the blocks W_in^i, W_in^f, W_in^v, W_in^o stacked."
    raise Wrong(mistakes.get(got, f"{got} is not the shape; think of 4 gates, each mapping {m} inputs to {n} units."))


torch_shape = Exercise(
    "ex-lstm-torch-shape", "nn.LSTM's input weights", handle="ch04.torch_shape", judge=_judge_torch_shape,
    hints=["torch stores a linear map from a inputs to b outputs as a (b, a) matrix.",
           "The four gates' input matrices are stacked into one tensor."],
    solution="""
    answer = (4 * 32, 10)   # four gate blocks of (hidden_size, input_size), stacked along the rows
    """,
)

ALL = [lstm_step, parameter_count, forget_bias, torch_shape]


# ------------------------------------------------------------ discussion: where the highway is

from .discussion import choice_exercise  # noqa: E402

highway_part = choice_exercise(
    "ex-lstm-highway-part", "which part keeps the gradient", handle="ch04.highway_part",
    choices={"a": "the output gate o_t, which lets the gradient into the cell",
             "b": "the cell update c_t = f_t ⊙ c_(t-1) + i_t ⊙ v_t, whose backward step multiplies by f_t only",
             "c": "the tanh on the cell in h_t = o_t ⊙ tanh(c_t)",
             "d": "the input gate i_t, which adds fresh gradient at every step"},
    right="b",
    why_not={"a": "the output gate acts once, where the gradient leaves h_t for c_t; it cannot keep it alive over "
                  "a hundred steps, and the first-steps drop in the figure is exactly this path.",
             "c": "tanh' is at most 1, so it can only shrink a gradient; it sits on the read-out, not on the "
                  "path between c_(t-1) and c_t.",
             "d": "i_t scales what is written into the cell; backward it scales the gradient into v_t and the "
                  "weights, not the gradient along the cell from step to step."},
    because="the + passes the gradient back unchanged and f_t scales it: no weight matrix and no squashing "
            "derivative on the way, so with f_t near 1 it survives.",
    hints=["Which equation connects c_(t-1) to c_t, and what is its derivative with respect to c_(t-1)?",
           "Compare with the vanilla RNN, whose step back multiplies by W_rec^T and f'(a_t)."])
ALL.append(highway_part)
