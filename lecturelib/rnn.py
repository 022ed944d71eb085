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

from ._validate import (as_array, as_sequences, check_choice, check_elements, check_positive_ints, check_scale,
                        check_seed, check_shape)
from .recurrent import (NONLINEARITIES as _ALL_NONLINEARITIES, TORCH_NONLINEARITIES, RecurrentModule,
                        check_rnn_weights, initial_state, input_part, into_torch_module, rnn_step_from_input_part,
                        to_numpy)
from .training import count_parameters as count_module_parameters  # the name chapters 1, 4-6 import

#: The lecture's 4-unit recurrent matrix (no input, no bias): h_{t+1} = relu(W_rec h_t).
LECTURE_W_REC = np.array([
    [1.0, 0.0, 0.0, 0.4],
    [0.9, 0.0, 0.6, 0.5],
    [0.0, 0.0, 0.0, 0.3],
    [0.0, 0.8, 0.0, 0.7],
])

#: The nonlinearities of the vanilla RNN (:mod:`lecturelib.bptt` also allows "linear", for analysis).
NONLINEARITIES = {name: _ALL_NONLINEARITIES[name] for name in TORCH_NONLINEARITIES}


def _nonlinearity(name: str):
    check_choice("nonlinearity", name, NONLINEARITIES)
    return NONLINEARITIES[name]


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
    W_in, W_rec, b, _, (m, n, _) = check_rnn_weights(W_in, W_rec, b)
    h_prev = as_array("h_prev", h_prev, ndim=(1, 2))
    x = as_array("x", x, ndim=(1, 2))
    check_shape("h_prev", h_prev, h_prev.shape[:-1] + (n,), f"(..., n_hidden={n})")
    check_shape("x", x, h_prev.shape[:-1] + (m,), f"(batch as h_prev, n_in={m})")
    # Row-vector form: (B, n) @ (n, n)^T is W_rec h for every row h.
    return rnn_step_from_input_part(h_prev, input_part(x, W_in, b), W_rec, f)[1]


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
    if W_out is None:
        raise ValueError("W_out: expected an (n_out, n_hidden) array, got None")
    W_in, W_rec, b, W_out, (m, n, k) = check_rnn_weights(W_in, W_rec, b, W_out)
    xs, single = as_sequences(xs, m, batch_first)
    T, B, _ = xs.shape
    h = initial_state("h0", h0, B, n)  # a (n,) h0 is shared by the whole batch
    pre_in = input_part(xs, W_in, b)  # all input projections at once, (T, B, n)
    hs = np.empty((T, B, n))
    for t in range(T):
        _, h = rnn_step_from_input_part(h, pre_in[t], W_rec, f)
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
    check_positive_ints(n_in=n_in, n_hidden=n_hidden, n_out=n_out)
    check_elements("n_hidden", n_hidden * (n_hidden + n_in + n_out + 1), "the weights")
    check_seed(seed)
    check_scale(scale)
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
    check_positive_ints(n_in=n_in, n_hidden=n_hidden, n_out=n_out)
    n, m, k = n_hidden, n_in, n_out
    return n * m + n * n + (n if bias else 0) + k * n + (k if output_bias else 0)


class VanillaRNN(RecurrentModule):
    """The vanilla RNN in PyTorch, with the lecture's parameter names ``W_in`` (n, m), ``W_rec`` (n, n),
    ``b`` (n,) and ``W_out`` (k, n).

    ``forward(xs, h0=None)`` takes (T, B, m) (or (B, T, m) with ``batch_first``) and
    returns ``(hs, zs)`` of shapes (T, B, n) and (T, B, k) in the same layout. ``run(xs)`` gives the
    states as a list of tensors of one graph (see :class:`lecturelib.recurrent.RecurrentModule`).
    """

    gates = ("h",)  # one block: W_in, W_rec and b have n rows

    def __init__(self, n_in: int, n_hidden: int, n_out: int, nonlinearity: str = "relu",
                 batch_first: bool = False):
        check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(n_in, n_hidden, n_out, batch_first)
        self.nonlinearity = nonlinearity
        self.f = TORCH_NONLINEARITIES[nonlinearity]

    def cell(self, p: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """``h_t = f(W_rec h_{t-1} + p_t)`` with ``p_t = W_in x_t + b``."""
        return rnn_step_from_input_part(h, p, self.W_rec, self.f)[1]

    def step(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """One step from an input x (B, m): ``h_t = f(W_rec h_{t-1} + W_in x_t + b)``."""
        return self.cell(input_part(x, self.W_in, self.b), h)

    def forward(self, xs: torch.Tensor, h0: torch.Tensor | None = None):
        return super().forward(xs, h0)

    def lecture_weights(self) -> dict:
        """The weights as the lecture's dict ``{W_in, W_rec, b, W_out}`` (numpy, float64)."""
        return {name: to_numpy(getattr(self, name)) for name in ("W_in", "W_rec", "b", "W_out")}

    def load_lecture_weights(self, weights: dict) -> "VanillaRNN":
        """Copy ``{W_in (n, m), W_rec (n, n), b (n,), W_out (k, n)}`` into this module (returns self)."""
        names = ("W_in", "W_rec", "b", "W_out")
        if not isinstance(weights, dict):
            raise ValueError(f"weights: expected a dict with keys {list(names)}, got {type(weights).__name__}")
        missing = [name for name in names if weights.get(name) is None]
        if missing:
            raise ValueError(f"weights: missing (or None) {missing}; expected W_in (n, m), W_rec (n, n), b (n,) "
                             "and W_out (k, n)")
        try:
            W_in, W_rec, b, W_out, (m, n, k) = check_rnn_weights(*(weights[name] for name in names))
        except ValueError as err:  # the message names the entry, e.g. "W_rec: expected shape ..."
            raise ValueError(f"weights: {err}") from None
        if (m, n, k) != (self.n_in, self.n_hidden, self.W_out.shape[0]):
            raise ValueError(f"weights: expected n_in={self.n_in}, n_hidden={self.n_hidden}, "
                             f"n_out={self.W_out.shape[0]}, got n_in={m}, n_hidden={n}, n_out={k}")
        with torch.no_grad():
            for p, value in ((self.W_in, W_in), (self.W_rec, W_rec), (self.b, b), (self.W_out, W_out)):
                p.copy_(torch.as_tensor(value, dtype=p.dtype))
        return self


def torch_rnn_from_weights(W_in, W_rec, b, nonlinearity: str = "relu", batch_first: bool = False,
                           dtype=torch.float64) -> nn.RNN:
    """A ``torch.nn.RNN`` holding our weights: weight_ih = W_in, weight_hh = W_rec,
    bias_ih = b and bias_hh = 0 (torch keeps two biases where the lecture has one)."""
    W_in, W_rec, b, _, (m, n, _) = check_rnn_weights(W_in, W_rec, b)
    return into_torch_module(nn.RNN(m, n, nonlinearity=nonlinearity, batch_first=batch_first, dtype=dtype),
                             W_in, W_rec, b)
