"""The multiplicative RNN (Sutskever, Martens & Hinton 2011): the input chooses the recurrent matrix.

In a vanilla RNN every input is followed by the same transition ``W_rec``. In the multiplicative
RNN the recurrent matrix is a function of the current input, ``W_rec(x_t)``; a full tensor of one
(n, n) matrix per input direction would be too large, so it is factorized through F factors::

    W_rec(x_t) = W_hf  diag(W_fx x_t)  W_fh          W_hf (n, F), W_fx (F, m), W_fh (F, n)
    h_t        = tanh(W_rec(x_t) h_{t-1} + W_in x_t + b)
    z_t        = W_out h_t

Computed without forming W_rec(x_t): the factor activations ``f_t = (W_fx x_t) * (W_fh h_{t-1})``
(F,), then ``W_hf f_t``. With one-hot inputs (characters, symbols) each symbol gets its own matrix
of rank at most F. Parameters: ``n m + F m + F n + n F + n + k n``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._validate import as_array, as_sequences, check_elements, check_positive_ints, check_seed, check_shape
from .recurrent import NUMPY_OPS, TORCH_OPS, initial_state, time_major, to_numpy, torch_state

NAMES = ("W_in", "W_fx", "W_fh", "W_hf", "b", "W_out")


def _check(weights):
    if not isinstance(weights, dict):
        raise ValueError(f"weights: expected a dict with keys {list(NAMES)}, got {type(weights).__name__}")
    missing = [k for k in NAMES if k not in weights]
    if missing:
        raise ValueError(f"weights: missing {missing}; expected {list(NAMES)}")
    w = {k: as_array(f"weights['{k}']", weights[k], ndim=1 if k == "b" else 2) for k in NAMES}
    n, m = w["W_in"].shape
    F = w["W_fx"].shape[0]
    k = w["W_out"].shape[0]
    for name, shape, meaning in (("W_fx", (F, m), f"(n_factors, n_in={m})"), ("W_fh", (F, n), f"(n_factors={F}, n_hidden={n})"),
                                 ("W_hf", (n, F), f"(n_hidden={n}, n_factors={F})"), ("b", (n,), f"(n_hidden={n},)"),
                                 ("W_out", (k, n), f"(n_out, n_hidden={n})")):
        check_shape(f"weights['{name}']", w[name], shape, meaning)
    return w, m, n


def random_mrnn_weights(n_in: int, n_hidden: int, n_factors: int, n_out: int, seed: int = 0) -> dict:
    """Random weights (uniform, scaled by 1/sqrt(fan-in)) as a dict with keys :data:`NAMES`."""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden, n_factors=n_factors, n_out=n_out)
    check_elements("n_hidden, n_factors", n_hidden * (n_in + n_out + 1) + n_factors * (n_in + 2 * n_hidden), "the weights")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    u = lambda shape, fan: rng.uniform(-1, 1, shape) / np.sqrt(fan)  # noqa: E731
    return {"W_in": u((n_hidden, n_in), n_in), "W_fx": u((n_factors, n_in), n_in),
            "W_fh": u((n_factors, n_hidden), n_hidden), "W_hf": u((n_hidden, n_factors), n_factors),
            "b": np.zeros(n_hidden), "W_out": u((n_out, n_hidden), n_hidden)}


def count_mrnn_parameters(n_in: int, n_hidden: int, n_factors: int, n_out: int) -> int:
    """``n m + F m + F n + n F + n + k n``."""
    check_positive_ints(n_in=n_in, n_hidden=n_hidden, n_factors=n_factors, n_out=n_out)
    n, m, F, k = n_hidden, n_in, n_factors, n_out
    return n * m + F * m + 2 * F * n + n + k * n


def recurrent_matrix(x, weights: dict) -> np.ndarray:
    """The input-dependent recurrent matrix ``W_rec(x) = W_hf diag(W_fx x) W_fh``, (n, n), for one input x (m,)."""
    w, m, n = _check(weights)
    x = as_array("x", x, ndim=1)
    check_shape("x", x, (m,), f"(n_in={m},)")
    return w["W_hf"] @ np.diag(w["W_fx"] @ x) @ w["W_fh"]


def mrnn_cell(p, fx, h, W_fh, W_hf, ops=NUMPY_OPS):
    """One step from the input part ``p = W_in x_t + b`` (B, n), the input's factor gains
    ``fx = W_fx x_t`` (B, F) and ``h_{t-1}`` (B, n), for numpy or torch (``ops`` as in
    :mod:`lecturelib.recurrent`): ``h_t = tanh(W_hf ((W_fx x_t) * (W_fh h_{t-1})) + p)``."""
    factors = fx * (h @ W_fh.T)  # (B, F): W_rec(x_t) h_{t-1} without forming W_rec(x_t)
    return ops.tanh(ops.affine(p, factors, W_hf))


def mrnn_forward(xs, weights: dict, h0=None, batch_first: bool = False):
    """Run the multiplicative RNN (numpy). ``xs`` (T, B, m) (or batch-first, or (T, m)).
    Returns ``(hs, zs)``, (T, B, n) and (T, B, k), laid out like ``xs``."""
    w, m, n = _check(weights)
    xs, single = as_sequences(xs, m, batch_first)
    T, B, _ = xs.shape
    h = initial_state("h0", h0, B, n)
    fx = xs @ w["W_fx"].T                      # (T, B, F): the input's factor gains, all steps at once
    pre_in = xs @ w["W_in"].T + w["b"]
    hs = np.empty((T, B, n))
    for t in range(T):
        h = mrnn_cell(pre_in[t], fx[t], h, w["W_fh"], w["W_hf"])
        hs[t] = h
    zs = hs @ w["W_out"].T
    if single:
        return hs[:, 0], zs[:, 0]
    if batch_first:
        return hs.transpose(1, 0, 2), zs.transpose(1, 0, 2)
    return hs, zs


class MultiplicativeRNN(nn.Module):
    """The multiplicative RNN in PyTorch; parameters named as in :data:`NAMES`.
    ``forward(xs, h0=None) -> (hs, zs)``, time-major unless ``batch_first``."""

    def __init__(self, n_in: int, n_hidden: int, n_factors: int, n_out: int, batch_first: bool = False):
        super().__init__()
        check_positive_ints(n_in=n_in, n_hidden=n_hidden, n_factors=n_factors, n_out=n_out)
        self.n_in, self.n_hidden, self.batch_first = n_in, n_hidden, batch_first

        def u(*shape, fan):
            return nn.Parameter(torch.empty(*shape).uniform_(-1, 1) / np.sqrt(fan))

        self.W_in = u(n_hidden, n_in, fan=n_in)
        self.W_fx = u(n_factors, n_in, fan=n_in)
        self.W_fh = u(n_factors, n_hidden, fan=n_hidden)
        self.W_hf = u(n_hidden, n_factors, fan=n_factors)
        self.b = nn.Parameter(torch.zeros(n_hidden))
        self.W_out = u(n_out, n_hidden, fan=n_hidden)

    def forward(self, xs, h0=None):
        xs = time_major(xs, self.n_in, self.batch_first, self.W_in.dtype)
        B, dtype = xs.shape[1], self.W_in.dtype
        h = xs.new_zeros(B, self.n_hidden) if h0 is None else torch_state("h0", h0, B, self.n_hidden, dtype)
        fx = xs @ self.W_fx.t()
        pre_in = xs @ self.W_in.t() + self.b
        hs = []
        for g, p in zip(fx.unbind(0), pre_in.unbind(0)):
            h = mrnn_cell(p, g, h, self.W_fh, self.W_hf, TORCH_OPS)
            hs.append(h)
        hs = torch.stack(hs)
        zs = hs @ self.W_out.t()
        if self.batch_first:
            return hs.transpose(0, 1), zs.transpose(0, 1)
        return hs, zs

    def weights(self) -> dict:
        """The parameters as a numpy dict (float64), for :func:`mrnn_forward`."""
        return {k: to_numpy(getattr(self, k)) for k in NAMES}


# --------------------------------------------------------------- a small task

def parity_task(batch_size: int, T: int, seed=None, batch_first: bool = False):
    """Running parity of a bit string: inputs one-hot bits (T, B, 2), targets (T, B) the parity
    (0 or 1) of the bits seen so far. Each bit either keeps or flips the answer: an input-dependent
    transition, which is what the multiplicative RNN represents directly."""
    check_positive_ints(batch_size=batch_size, T=T)
    check_elements("batch_size", 3 * T * batch_size, "the inputs and targets")
    if not isinstance(seed, np.random.Generator):
        check_seed(seed)
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, size=(T, batch_size))
    xs = np.eye(2)[bits]
    ys = np.cumsum(bits, axis=0) % 2
    if batch_first:
        return xs.transpose(1, 0, 2), ys.T
    return xs, ys
