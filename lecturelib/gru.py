"""The gated recurrent unit (GRU) of chapter 5 in its two forms, and the minimal gated unit.

The lecture's GRU, the reset gate applied to h_{t-1} *before* the recurrent matrix::

    r_t  = sigma(W_r [h_{t-1}; x_t] + b_r)               reset gate
    u_t  = sigma(W_u [h_{t-1}; x_t] + b_u)               update gate
    h~_t = tanh (W_h [r_t * h_{t-1}; x_t] + b_h)         candidate
    h_t  = u_t * h_{t-1} + (1 - u_t) * h~_t

(the notes write z_t in the last line; it is the update gate u_t). ``torch.nn.GRU`` and cuDNN
apply the reset gate *after* the recurrent matrix, with a separate recurrent bias ``b_rh``::

    h~_t = tanh(W_in^h x_t + b_h + r_t * (W_rec^h h_{t-1} + b_rh))

Keras calls the choice ``reset_after``, ONNX ``linear_before_reset``. The two forms are different
functions in general; they agree when h_{t-1} = 0 and b_rh = 0, or when r_t = 1 and b_rh = 0.
The after-form needs only one recurrent product per step for all three blocks, since the product
no longer waits for r_t; that is why fast kernels use it.

The minimal gated unit (MGU, Zhou et al. 2016) merges reset and update into one forget gate::

    f_t  = sigma(W_f [h_{t-1}; x_t] + b_f)
    h~_t = tanh (W_h [f_t * h_{t-1}; x_t] + b_h)
    h_t  = (1 - f_t) * h_{t-1} + f_t * h~_t

Weights travel as dicts: ``W_g`` (n, n + m) = [W_rec^g  W_in^g] and ``b_g`` (n,) for g in
(r, u, h), plus ``b_rh`` (n,) for the after-form; (f, h) for the MGU. Shapes as in :mod:`lecturelib.lstm`.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._validate import (as_array, as_sequences, check_choice, check_elements, check_positive_ints, check_seed,
                        check_shape)
from .recurrent import (GRU_GATES, MGU_GATES, NUMPY_OPS, TORCH_OPS, RecurrentModule, check_gate_weights,
                        initial_state, input_part, into_torch_module, random_gate_weights, stack_gates, to_numpy,
                        unstack_gates)

RESETS = ("before", "after")


# ----------------------------------------------------------------- weights

def _check_gru(weights, reset):
    check_choice("reset", reset, RESETS)
    w, m, n = check_gate_weights(weights, GRU_GATES)
    if "b_rh" in weights:
        b_rh = as_array("weights['b_rh']", weights["b_rh"], ndim=1)
        check_shape("weights['b_rh']", b_rh, (n,), f"(n_hidden={n},)")
        if reset == "before" and np.any(b_rh != 0):
            raise ValueError("weights['b_rh']: the lecture's GRU (reset='before') has no recurrent candidate "
                             "bias; expected it absent or zero")
    else:
        b_rh = np.zeros(n)
    w["b_rh"] = b_rh
    return w, m, n


def random_gru_weights(n_in: int, n_hidden: int, seed: int = 0, scale: float | None = None,
                       reset: str = "before") -> dict:
    """Random GRU weights, uniform on ±1/sqrt(n_hidden) like ``torch.nn.GRU`` (or ±``scale``);
    with ``reset='after'`` also a random ``b_rh``."""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    check_elements("n_hidden", 3 * n_hidden * (n_hidden + n_in + 2), "the weights")
    check_seed(seed)
    check_choice("reset", reset, RESETS)
    rng = np.random.default_rng(seed)
    w = random_gate_weights(rng, n_in, n_hidden, GRU_GATES, scale)
    if reset == "after":
        s = 1.0 / np.sqrt(n_hidden) if scale is None else scale
        w["b_rh"] = rng.uniform(-s, s, n_hidden)
    return w


def random_mgu_weights(n_in: int, n_hidden: int, seed: int = 0, scale: float | None = None) -> dict:
    """Random minimal-gated-unit weights ``{W_f, b_f, W_h, b_h}``."""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    check_elements("n_hidden", 2 * n_hidden * (n_hidden + n_in + 1), "the weights")
    check_seed(seed)
    return random_gate_weights(np.random.default_rng(seed), n_in, n_hidden, MGU_GATES, scale)


def count_gru_parameters(n_in: int, n_hidden: int, reset: str = "before") -> int:
    """The lecture's GRU: three blocks of ``n (n + m) + n``, exactly three times the vanilla RNN;
    the after-form adds the n entries of ``b_rh``. (``torch.nn.GRU`` keeps two full biases: 3n more.)"""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    check_choice("reset", reset, RESETS)
    n, m = n_hidden, n_in
    return 3 * (n * (n + m) + n) + (n if reset == "after" else 0)


def count_mgu_parameters(n_in: int, n_hidden: int) -> int:
    """The minimal gated unit: two blocks of ``n (n + m) + n``, twice the vanilla RNN."""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    return 2 * (n_hidden * (n_hidden + n_in) + n_hidden)


# ------------------------------------------------- the equations, written once

def gru_cell(p, h, W_rec, reset: str, b_rh, ops=NUMPY_OPS):
    """One GRU step from the input parts ``p = W_in x_t + b`` (B, 3n) (row blocks r, u, h, see
    :func:`lecturelib.recurrent.stack_gates`) and ``h_{t-1}`` (B, n), for numpy (``ops=NUMPY_OPS``) or
    torch (``TORCH_OPS``); ``W_rec`` (3n, n). Returns ``(h_t, r_t, u_t, h~_t)``."""
    n = h.shape[-1]
    if reset == "after":
        hp = h @ W_rec.T  # one product for all three blocks
        ru = ops.sigmoid(p[..., :2 * n] + hp[..., :2 * n])
        r, u = ru[..., :n], ru[..., n:]
        cand = ops.tanh(p[..., 2 * n:] + r * (hp[..., 2 * n:] + b_rh))
    else:
        ru = ops.sigmoid(ops.affine(p[..., :2 * n], h, W_rec[:2 * n]))
        r, u = ru[..., :n], ru[..., n:]
        cand = ops.tanh(ops.affine(p[..., 2 * n:], r * h, W_rec[2 * n:]))  # the reset acts before W_rec
    return u * h + (1.0 - u) * cand, r, u, cand


def mgu_cell(p, h, W_rec, ops=NUMPY_OPS):
    """One step of the minimal gated unit from ``p = W_in x_t + b`` (B, 2n) (blocks f, h) and
    ``h_{t-1}`` (B, n), for numpy or torch (see :func:`gru_cell`)."""
    n = h.shape[-1]
    f = ops.sigmoid(ops.affine(p[..., :n], h, W_rec[:n]))
    cand = ops.tanh(ops.affine(p[..., n:], f * h, W_rec[n:]))
    return h + f * (cand - h)  # (1 - f) h + f h~


# ----------------------------------------------------------------- numpy

def gru_step(h_prev, x, weights: dict, reset: str = "before"):
    """One GRU step (the lecture's form by default). ``h_prev`` (n,) or (B, n); ``x`` (m,) or (B, m).
    Returns h_t shaped like ``h_prev``."""
    w, m, n = _check_gru(weights, reset)
    h_prev = as_array("h_prev", h_prev, ndim=(1, 2))
    check_shape("h_prev", h_prev, h_prev.shape[:-1] + (n,), f"(..., n_hidden={n})")
    x = as_array("x", x, ndim=(1, 2))
    check_shape("x", x, h_prev.shape[:-1] + (m,), f"(batch as h_prev, n_in={m})")
    W_rec, W_in, b = stack_gates(w, GRU_GATES)
    return gru_cell(input_part(x, W_in, b), h_prev, W_rec, reset, w["b_rh"])[0]


def gru_forward(xs, weights: dict, h0=None, reset: str = "before", batch_first: bool = False,
                return_gates: bool = False):
    """Run the GRU over whole sequences (numpy).

    Args:
        xs: (T, B, m), (B, T, m) with ``batch_first``, or (T, m).
        weights: ``W_r, W_u, W_h`` (n, n+m), ``b_r, b_u, b_h`` (n,) and, for ``reset='after'``, ``b_rh``.
        reset: ``'before'`` (the lecture) or ``'after'`` (torch.nn.GRU, cuDNN).
        return_gates: also return a dict of the reset gates ``r``, update gates ``u`` and candidates
            ``h~`` at every step, laid out like the states.

    Returns:
        ``hs`` (T, B, n) laid out like ``xs``; or ``(hs, {"r", "u", "cand"})``.
    """
    w, m, n = _check_gru(weights, reset)
    xs, single = as_sequences(xs, m, batch_first)
    T, B, _ = xs.shape
    h = initial_state("h0", h0, B, n)
    W_rec, W_in, b = stack_gates(w, GRU_GATES)
    p = input_part(xs, W_in, b)  # every step's input part in one product, (T, B, 3n)
    out = {k: np.empty((T, B, n)) for k in ("h", "r", "u", "cand")}
    for t in range(T):
        h, r, u, cand = gru_cell(p[t], h, W_rec, reset, w["b_rh"])
        for k, v in zip(("h", "r", "u", "cand"), (h, r, u, cand)):
            out[k][t] = v
    for k in out:
        out[k] = out[k][:, 0] if single else (out[k].transpose(1, 0, 2) if batch_first else out[k])
    hs = out.pop("h")
    return (hs, out) if return_gates else hs


def mgu_forward(xs, weights: dict, h0=None, batch_first: bool = False):
    """Run the minimal gated unit over whole sequences (numpy); returns hs like :func:`gru_forward`."""
    w, m, n = check_gate_weights(weights, MGU_GATES)
    xs, single = as_sequences(xs, m, batch_first)
    T, B, _ = xs.shape
    h = initial_state("h0", h0, B, n)
    W_rec, W_in, b = stack_gates(w, MGU_GATES)
    p = input_part(xs, W_in, b)
    hs = np.empty((T, B, n))
    for t in range(T):
        h = mgu_cell(p[t], h, W_rec)
        hs[t] = h
    return hs[:, 0] if single else (hs.transpose(1, 0, 2) if batch_first else hs)


# ----------------------------------------------------------------- PyTorch

class GRU(RecurrentModule):
    """The GRU in PyTorch, either form (``reset='before'``: the lecture; ``'after'``: nn.GRU's).

    Row blocks of ``W_in``, ``W_rec``, ``b`` in the order (r, u, h); the after-form has ``b_rh`` (n,) too.
    The before-form needs two recurrent products per step (the candidate's waits for r_t); the
    after-form one.
    """

    gates = GRU_GATES

    def __init__(self, n_in, n_hidden, n_out=None, batch_first=False, reset: str = "before"):
        check_choice("reset", reset, RESETS)
        super().__init__(n_in, n_hidden, n_out, batch_first)
        self.reset = reset
        if reset == "after":
            s = 1.0 / np.sqrt(n_hidden)
            self.b_rh = nn.Parameter(torch.empty(n_hidden).uniform_(-s, s))

    def forward(self, xs, h0=None):
        return super().forward(xs, h0)

    def cell(self, p, h):
        return gru_cell(p, h, self.W_rec, self.reset, getattr(self, "b_rh", None), TORCH_OPS)[0]

    def lecture_weights(self) -> dict:
        w = super().lecture_weights()
        if self.reset == "after":
            w["b_rh"] = to_numpy(self.b_rh)
        return w

    def load_lecture_weights(self, weights: dict):
        _check_gru(weights, self.reset)
        super().load_lecture_weights(weights)
        if self.reset == "after":
            with torch.no_grad():
                self.b_rh.copy_(torch.as_tensor(np.asarray(weights.get("b_rh", np.zeros(self.n_hidden)))))
        return self


class MGU(RecurrentModule):
    """The minimal gated unit (Zhou et al. 2016) in PyTorch; row blocks (f, h)."""

    gates = MGU_GATES

    def forward(self, xs, h0=None):
        return super().forward(xs, h0)

    def cell(self, p, h):
        return mgu_cell(p, h, self.W_rec, TORCH_OPS)


# -------------------------------------------------------- torch.nn.GRU mapping

def gru_to_torch(weights: dict, batch_first: bool = False, dtype=torch.float64) -> nn.GRU:
    """A ``torch.nn.GRU`` computing the after-form GRU with these weights (``b_rh`` zero if absent).

    torch stacks its blocks (r, z, n) = our (r, u, h) in ``weight_ih_l0`` (3n, m) and ``weight_hh_l0``
    (3n, n); ``bias_ih_l0`` gets (b_r, b_u, b_h) and ``bias_hh_l0`` gets (0, 0, b_rh).
    """
    w, m, n = _check_gru(weights, "after")
    W_rec, W_in, b = stack_gates(w, gates=GRU_GATES)
    gru = into_torch_module(nn.GRU(m, n, batch_first=batch_first, dtype=dtype), W_in, W_rec, b)
    with torch.no_grad():
        gru.bias_hh_l0[2 * n:] = torch.as_tensor(w["b_rh"])  # the candidate's recurrent bias
    return gru


def gru_from_torch(gru: nn.GRU) -> dict:
    """The after-form weight dict from a one-layer unidirectional ``torch.nn.GRU``: the r and u
    biases are the sums ``bias_ih + bias_hh``; the candidate's recurrent bias becomes ``b_rh``."""
    if not isinstance(gru, nn.GRU):
        raise ValueError(f"gru: expected a torch.nn.GRU, got {type(gru).__name__}")
    if gru.num_layers != 1 or gru.bidirectional or not gru.bias:
        raise ValueError("gru: expected one layer, unidirectional, with biases "
                         f"(got num_layers={gru.num_layers}, bidirectional={gru.bidirectional}, bias={gru.bias})")
    n = gru.hidden_size
    get = lambda name: to_numpy(getattr(gru, name))  # noqa: E731
    b_ih, b_hh = get("bias_ih_l0"), get("bias_hh_l0")
    b = b_ih.copy()
    b[:2 * n] += b_hh[:2 * n]
    w = unstack_gates(get("weight_hh_l0"), get("weight_ih_l0"), b, gates=GRU_GATES)
    w["b_rh"] = b_hh[2 * n:].copy()
    return w


# ------------------------------------------------------------------ figures

def plot_gates(fig, xs, weights: dict, reset: str = "before", marks=None, title: str = ""):
    """Chapter 5's figure for one sequence ``xs`` (T, m): the first input channel as bars (steps in
    ``marks`` in red), then the update gates u_t and the reset gates r_t of every unit as heat maps,
    with dotted lines at the marks. Returns the three axes."""
    xs = as_array("xs", xs, ndim=2)
    _, g = gru_forward(xs, weights, reset=reset, return_gates=True)
    T = xs.shape[0]
    marks = [] if marks is None else list(marks)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2, 2]})
    axes[0].bar(np.arange(T), xs[:, 0], color=["#d62728" if t in marks else "#bbbbbb" for t in range(T)])
    axes[0].set_ylabel("input")
    axes[0].set_title(title, fontsize=10)
    for ax, key, label in ((axes[1], "u", "update gate $u_t$"), (axes[2], "r", "reset gate $r_t$")):
        im = ax.imshow(g[key].T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_ylabel(f"{label}\nunit")
        for t in marks:
            ax.axvline(t, color="#d62728", lw=1, ls=":")
    fig.colorbar(im, ax=axes, pad=0.01, shrink=0.6, label="gate value")  # one bar keeps the x-axes aligned
    axes[2].set_xlabel("step t")
    axes[2].set_xticks(range(0, T, 2))
    return axes
