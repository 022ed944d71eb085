"""The vanilla recurrent network of chapter 1, in numpy and in PyTorch.

State update and readout, in the lecture's notation::

    h_t = f(W_rec h_{t-1} + W_in x_t + b)        f = relu (the lecture) or tanh
    z_t = W_out h_t

Shapes: ``x_t`` has ``m = n_in`` entries, ``h_t`` has ``n = n_hidden``, ``z_t`` has
``k = n_out``; so ``W_in`` is (n, m), ``W_rec`` is (n, n), ``b`` is (n,) and
``W_out`` is (k, n). Sequences are time-major, (T, B, m), unless
``batch_first=True``, as in ``torch.nn.RNN``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._validate import as_array, as_sequences, check_choice, check_shape

#: The lecture's 4-unit recurrent matrix (no input, no bias): h_{t+1} = relu(W_rec h_t).
LECTURE_W_REC = np.array([
    [1.0, 0.0, 0.0, 0.4],
    [0.9, 0.0, 0.6, 0.5],
    [0.0, 0.0, 0.0, 0.3],
    [0.0, 0.8, 0.0, 0.7],
])

NONLINEARITIES = {
    "relu": lambda a: np.maximum(a, 0.0),
    "tanh": np.tanh,
}


def _nonlinearity(name: str):
    check_choice("nonlinearity", name, NONLINEARITIES)
    return NONLINEARITIES[name]


def _check_weights(W_in, W_rec, b, W_out=None):
    """Convert and cross-check the weight shapes; returns arrays and (m, n, k)."""
    W_rec = as_array("W_rec", W_rec, ndim=2)
    n = W_rec.shape[0]
    check_shape("W_rec", W_rec, (n, n), "(n_hidden, n_hidden): W_rec must be square")
    W_in = as_array("W_in", W_in, ndim=2)
    check_shape("W_in", W_in, (n, None), f"(n_hidden={n}, n_in): one row per hidden unit")
    m = W_in.shape[1]
    b = as_array("b", b, ndim=1)
    check_shape("b", b, (n,), f"(n_hidden={n},)")
    k = None
    if W_out is not None:
        W_out = as_array("W_out", W_out, ndim=2)
        check_shape("W_out", W_out, (None, n), f"(n_out, n_hidden={n}): one column per hidden unit")
        k = W_out.shape[0]
    return W_in, W_rec, b, W_out, (m, n, k)


def rnn_step(h_prev, x, W_rec, W_in, b, nonlinearity: str = "relu") -> np.ndarray:
    """One step of the vanilla RNN: ``h_t = f(W_rec h_{t-1} + W_in x_t + b)``.

    Args:
        h_prev: previous state, (n,) or a batch (B, n).
        x: input, (m,) or a batch (B, m), matching ``h_prev``.
        W_rec: (n, n). W_in: (n, m). b: (n,).
        nonlinearity: ``"relu"`` (the lecture's choice) or ``"tanh"``.

    Returns:
        h_t, with the shape of ``h_prev``.
    """
    f = _nonlinearity(nonlinearity)
    W_in, W_rec, b, _, (m, n, _) = _check_weights(W_in, W_rec, b)
    h_prev = as_array("h_prev", h_prev, ndim=(1, 2))
    x = as_array("x", x, ndim=(1, 2))
    check_shape("h_prev", h_prev, h_prev.shape[:-1] + (n,), f"(..., n_hidden={n})")
    check_shape("x", x, h_prev.shape[:-1] + (m,), f"(batch as h_prev, n_in={m})")
    # Row-vector form: (B, n) @ (n, n)^T is W_rec h for every row h.
    return f(h_prev @ W_rec.T + x @ W_in.T + b)


def rnn_forward(xs, W_in, W_rec, b, W_out, h0=None, nonlinearity: str = "relu",
                batch_first: bool = False):
    """Run the vanilla RNN over whole sequences.

    Args:
        xs: inputs, (T, B, m), or (B, T, m) with ``batch_first``; or (T, m) for one sequence.
        W_in (n, m), W_rec (n, n), b (n,), W_out (k, n): the weights.
        h0: initial state, (B, n) or (n,); zeros when omitted.

    Returns:
        ``(hs, zs)``: states (T, B, n) and outputs (T, B, k), laid out like ``xs``
        (batch-first if asked, no batch axis if ``xs`` had none).
    """
    f = _nonlinearity(nonlinearity)
    W_in, W_rec, b, W_out, (m, n, k) = _check_weights(W_in, W_rec, b, W_out)
    xs, single = as_sequences(xs, m, batch_first)
    T, B, _ = xs.shape
    if h0 is None:
        h = np.zeros((B, n))
    else:
        h = as_array("h0", h0, ndim=(1, 2))
        if h.ndim == 1:  # one initial state shared by the whole batch
            h = np.broadcast_to(h, (B, h.shape[0]))
        check_shape("h0", h, (B, n), f"(B={B}, n_hidden={n}) or (n_hidden={n},)")
    pre_in = xs @ W_in.T + b  # all input projections at once, (T, B, n)
    hs = np.empty((T, B, n))
    for t in range(T):
        h = f(h @ W_rec.T + pre_in[t])
        hs[t] = h
    zs = hs @ W_out.T
    if single:
        return hs[:, 0], zs[:, 0]
    if batch_first:
        return hs.transpose(1, 0, 2), zs.transpose(1, 0, 2)
    return hs, zs


def random_rnn_weights(n_in: int, n_hidden: int, n_out: int, seed: int = 0, scale: float | None = None):
    """Random weights as a dict ``{W_in, W_rec, b, W_out}``, uniform on ±1/sqrt(n_hidden)
    like ``torch.nn.RNN`` (or ±``scale``). Use as ``rnn_forward(xs, **weights)``."""
    rng = np.random.default_rng(seed)
    s = 1.0 / np.sqrt(n_hidden) if scale is None else scale
    return {
        "W_in": rng.uniform(-s, s, (n_hidden, n_in)),
        "W_rec": rng.uniform(-s, s, (n_hidden, n_hidden)),
        "b": rng.uniform(-s, s, n_hidden),
        "W_out": rng.uniform(-s, s, (n_out, n_hidden)),
    }


def count_rnn_parameters(n_in: int, n_hidden: int, n_out: int, bias: bool = True,
                         output_bias: bool = False) -> int:
    """Parameters of the vanilla RNN: n·m (W_in) + n·n (W_rec) + n (b) + k·n (W_out).

    The count does not depend on the sequence length: the same weights serve every step.
    """
    for name, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    n, m, k = n_hidden, n_in, n_out
    return n * m + n * n + (n if bias else 0) + k * n + (k if output_bias else 0)


def count_module_parameters(module: nn.Module) -> int:
    """Number of trainable scalars in a PyTorch module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class VanillaRNN(nn.Module):
    """The vanilla RNN in PyTorch, with the lecture's parameter names.

    ``forward(xs, h0=None)`` takes (T, B, m) (or (B, T, m) with ``batch_first``) and
    returns ``(hs, zs)`` of shapes (T, B, n) and (T, B, k) in the same layout.
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int, nonlinearity: str = "relu",
                 batch_first: bool = False):
        super().__init__()
        check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        self.nonlinearity = nonlinearity
        self.batch_first = batch_first
        s = 1.0 / np.sqrt(n_hidden)
        self.W_in = nn.Parameter(torch.empty(n_hidden, n_in).uniform_(-s, s))
        self.W_rec = nn.Parameter(torch.empty(n_hidden, n_hidden).uniform_(-s, s))
        self.b = nn.Parameter(torch.empty(n_hidden).uniform_(-s, s))
        self.W_out = nn.Parameter(torch.empty(n_out, n_hidden).uniform_(-s, s))

    def forward(self, xs: torch.Tensor, h0: torch.Tensor | None = None):
        n_in = self.W_in.shape[1]
        if xs.dim() != 3 or xs.shape[-1] != n_in:
            layout = "(B, T, n_in)" if self.batch_first else "(T, B, n_in)"
            raise ValueError(f"xs: expected shape {layout} with n_in={n_in}, got {tuple(xs.shape)}")
        if self.batch_first:
            xs = xs.transpose(0, 1)
        f = torch.relu if self.nonlinearity == "relu" else torch.tanh
        h = xs.new_zeros(xs.shape[1], self.W_rec.shape[0]) if h0 is None else h0
        pre_in = xs @ self.W_in.T + self.b  # (T, B, n) in one product
        hs = []
        for p in pre_in.unbind(0):
            h = f(h @ self.W_rec.T + p)
            hs.append(h)
        hs = torch.stack(hs)
        zs = hs @ self.W_out.T
        if self.batch_first:
            return hs.transpose(0, 1), zs.transpose(0, 1)
        return hs, zs


def torch_rnn_from_weights(W_in, W_rec, b, nonlinearity: str = "relu", batch_first: bool = False,
                           dtype=torch.float64) -> nn.RNN:
    """A ``torch.nn.RNN`` holding our weights: weight_ih = W_in, weight_hh = W_rec,
    bias_ih = b and bias_hh = 0 (torch keeps two biases where the lecture has one)."""
    W_in, W_rec, b, _, (m, n, _) = _check_weights(W_in, W_rec, b)
    rnn = nn.RNN(m, n, nonlinearity=nonlinearity, batch_first=batch_first, dtype=dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.as_tensor(W_in))
        rnn.weight_hh_l0.copy_(torch.as_tensor(W_rec))
        rnn.bias_ih_l0.copy_(torch.as_tensor(b))
        rnn.bias_hh_l0.zero_()
    return rnn
