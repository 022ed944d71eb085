"""Exercises of chapter 1, the vanilla RNN.

In the notebook: ``from lecturelib.exercises import ch01`` then, e.g.,
``ch01.rnn_step.check(rnn_step)``.
"""
from __future__ import annotations

import numpy as np

from ..rnn import LECTURE_W_REC, count_rnn_parameters, rnn_forward, random_rnn_weights
from . import Exercise, call, diagnose, expect_array, expect_number, expect_whole_number, expect_shape, Wrong

relu = lambda a: np.maximum(a, 0.0)  # noqa: E731


# ------------------------------------------------------------------ 1. one step

def _step_cases():
    """Test cases with negative pre-activations (so relu matters) and n != m
    (so a transposed W_in fails loudly)."""
    for seed, (n, m) in enumerate([(5, 3), (4, 4), (7, 2)]):
        w = random_rnn_weights(m, n, 1, seed=seed, scale=1.0)
        rng = np.random.default_rng(100 + seed)
        yield rng.normal(size=n), rng.normal(size=m), w["W_rec"], w["W_in"], w["b"]


def _judge_step(fn):
    for h, x, W_rec, W_in, b in _step_cases():
        got = expect_array(call(fn, h, x, W_rec, W_in, b), (len(h),), "rnn_step")
        a = W_rec @ h + W_in @ x + b
        diagnose(got, relu(a), {
            "you used tanh; the lecture's RNN uses relu, max(a, 0).": np.tanh(a),
            "no nonlinearity: apply relu to the pre-activation W_rec h + W_in x + b.": a,
            "the bias b is missing from the pre-activation.": relu(a - b),
            "the bias is added after the relu; it belongs inside: relu(W_rec h + W_in x + b).": relu(a - b) + b,
            "W_rec is transposed: unit i's new value uses row i of W_rec, so compute W_rec @ h_prev.":
                relu(W_rec.T @ h + W_in @ x + b),
            "the recurrent term W_rec h_prev is missing: the state must depend on the previous state.":
                relu(W_in @ x + b),
            "the input term W_in x is missing: the state must depend on the input.": relu(W_rec @ h + b),
        }, generic="the values differ from relu(W_rec h_prev + W_in x + b); print your pre-activation for "
                   "a small case and compare it term by term.")
    return "Your rnn_step matches relu(W_rec h + W_in x + b) on three random cases."


rnn_step = Exercise(
    "ex-rnn-step", "one RNN step", handle="ch01.rnn_step", judge=_judge_step,
    hints=["Three terms go into the pre-activation: the recurrent one, the input one and the bias.",
           "In numpy, `W_rec @ h_prev` is the matrix-vector product; `np.maximum(a, 0)` is relu."],
    solution="""
    def my_rnn_step(h_prev, x, W_rec, W_in, b):
        return np.maximum(W_rec @ h_prev + W_in @ x + b, 0.0)
    """,
)


# ------------------------------------------------------------ 2. parameter count

COUNT_SIZES = dict(n_in=10, n_hidden=32, n_out=5, T=20)


def _judge_count(answer):
    n, m, k, T = (COUNT_SIZES[key] for key in ("n_hidden", "n_in", "n_out", "T"))
    value = expect_whole_number(answer, "; a parameter count is an integer")
    right = count_rnn_parameters(m, n, k)
    diagnose(value, right, {
        f"that is the count for all {T} steps; the same weights serve every step, so T does not enter.":
            right * T,
        "W_rec is missing: it is n_hidden x n_hidden.": right - n * n,
        "the bias b (n_hidden numbers) is missing.": right - n,
        "W_out is missing: the readout z_t = W_out h_t has n_out x n_hidden weights.": right - k * n,
        "the lecture's readout z_t = W_out h_t has no bias; you added n_out.": right + k,
        "that is torch.nn.RNN's count plus W_out: torch keeps two biases (bias_ih, bias_hh); "
        "the lecture has one b.": right + n,
        "W_in is missing: it is n_hidden x n_in.": right - n * m,
    }, rtol=0, atol=0.5, generic="not the count. Add up the entries of W_in, W_rec, b and W_out.")
    return f"{right} parameters: {n}·{m} + {n}·{n} + {n} + {k}·{n}."


parameter_count = Exercise(
    "ex-rnn-count", "parameter count", handle="ch01.parameter_count", judge=_judge_count,
    hints=["Write down the shape of each of W_in, W_rec, b and W_out for n_in=10, n_hidden=32, n_out=5.",
           "Does the sequence length change how many weights there are?"],
    solution="""
    answer = 32 * 10 + 32 * 32 + 32 + 5 * 32   # W_in + W_rec + b + W_out = 1536
    """,
)


# ------------------------------------------------------- 3. the 4-unit example

STATE_H0 = np.array([1.0, -1.0, 2.0, 0.5])
STATE_STEPS = 3


def _run_lecture(h0, steps, W=LECTURE_W_REC, f=relu):
    h = np.asarray(h0, dtype=float)
    for _ in range(steps):
        h = f(W @ h)
    return h


def _judge_state(answer):
    got = expect_array(answer, (4,), "your answer")
    right = _run_lecture(STATE_H0, STATE_STEPS)
    identity = lambda a: a  # noqa: E731
    diagnose(got, right, {
        f"that is h_{STATE_STEPS - 1}: one step too few.": _run_lecture(STATE_H0, STATE_STEPS - 1),
        f"that is h_{STATE_STEPS + 1}: one step too many.": _run_lecture(STATE_H0, STATE_STEPS + 1),
        "you multiplied by W_rec transposed; h_{t+1} = relu(W_rec h_t) uses the rows of W_rec.":
            _run_lecture(STATE_H0, STATE_STEPS, LECTURE_W_REC.T),
        # (From this h_0, relu applied only at the end gives the same numbers as no relu.)
        "the relu is missing: negative pre-activations must become 0 at every step.":
            _run_lecture(STATE_H0, STATE_STEPS, f=identity),
    }, rtol=1e-3, atol=1e-3, generic="not h_3. Compute h_1, h_2 and h_3 in turn, applying relu after each product.")
    return f"h_{STATE_STEPS} = {np.round(right, 4).tolist()}."


lecture_state = Exercise(
    "ex-rnn-state", "the 4-unit network", handle="ch01.lecture_state", judge=_judge_state,
    hints=["There is no input and no bias here: h_{t+1} = relu(W_rec h_t).",
           "Apply the step three times; after the first step h_1 has no negative entries left."],
    solution="""
    W_rec = np.array([[1, 0, 0, 0.4], [0.9, 0, 0.6, 0.5], [0, 0, 0, 0.3], [0, 0.8, 0, 0.7]])
    h = np.array([1.0, -1.0, 2.0, 0.5])
    for t in range(3):
        h = np.maximum(W_rec @ h, 0)
    answer = h
    """,
)


# -------------------------------------------------------------- 4. output shape

SHAPE_SIZES = dict(T=7, B=3, n_in=2, n_hidden=5, n_out=4)


def _judge_shape(answer):
    T, B, m, n, k = SHAPE_SIZES.values()
    got = expect_shape(answer)
    w = random_rnn_weights(m, n, k)
    right = rnn_forward(np.zeros((T, B, m)), **w)[1].shape
    mistakes = {
        (T, B, n): "that is the shape of the states hs; zs has n_out entries per step.",
        (B, T, k): "that is the batch-first layout; rnn_forward is time-major unless batch_first=True.",
        (T, k): "the batch axis is missing: every sequence of the batch gets its own outputs.",
        (B, k): "that is one output per sequence; the RNN produces an output at every step.",
        (T, B, m): "that is the input's shape; the readout maps n_hidden to n_out.",
    }
    if got == right:
        return f"zs has shape {right}: (T, B, n_out)."
    raise Wrong(mistakes.get(got, f"{got} is not the shape of zs; think of one output vector per step and sequence."))


output_shape = Exercise(
    "ex-rnn-shape", "output shape", handle="ch01.output_shape", judge=_judge_shape,
    hints=["The readout is applied at every time step to every sequence of the batch.",
           "z_t = W_out h_t has n_out entries."],
    solution="""
    answer = (7, 3, 4)   # (T, B, n_out)
    """,
)

ALL = [rnn_step, parameter_count, lecture_state, output_shape]


# ------------------------------------------------------------ discussion: any length, fixed size

from .discussion import choice_exercise  # noqa: E402

any_length = choice_exercise(
    "ex-rnn-any-length", "why one RNN reads any length", handle="ch01.any_length",
    choices={"a": "it keeps one weight matrix per time step and reuses the last one beyond that",
             "b": "the same weights act at every step, and the state carries a fixed-size summary of the past",
             "c": "it cuts every sequence to a fixed length before reading it",
             "d": "its number of hidden units grows with the length of the sequence"},
    right="b",
    why_not={"a": "then the parameters would grow with the training sequences' length; in the equations "
                  "W_in, W_rec, b and W_out carry no time index.",
             "c": "nothing is cut: rnn_forward runs over all T steps, and the restart check showed h_t alone "
                  "carries what the future needs.",
             "d": "n is fixed when the network is built; h_t has n entries at every step."},
    because="W_in, W_rec, b and W_out have no time index, so the parameter count is independent of T, and "
            "h_t (always n numbers) is all the network keeps of the past.",
    hints=["Look at the equation h_t = relu(W_rec h_{t-1} + W_in x_t + b): which symbols carry a t?",
           "The parameters are the symbols without a t; the state h_t has a t but always the same size."])
ALL.append(any_length)
