"""The ground floor of every recurrent module: what ``rnn``, ``bptt``, ``gradients``, ``lstm``,
``gru``, ``mrnn`` and ``recipes`` share, each piece written once.

* Nonlinearities: :data:`NONLINEARITIES` and :data:`DERIVATIVES` (numpy), :data:`TORCH_NONLINEARITIES`,
  :func:`sigmoid`.
* The vanilla RNN's step and backward step, the lecture's two recursions. The step works on numpy
  arrays and torch tensors alike (rows are batch elements)::

      p_t = W_in x_t + b                       input part (:func:`input_part`, all steps at once)
      a_t = W_rec h_{t-1} + p_t                pre-activation
      h_t = f(a_t)                             (:func:`rnn_step_from_input_part`)

      da_t    = f'(a_t) ⊙ g_t                  g_t = dL/dh_t
      g_{t-1} = W_rec^T da_t                   (:func:`backward_step`)

* Checks: the vanilla weights (:func:`check_rnn_weights`), a gated cell's weight dict
  (:func:`check_gate_weights`), an initial state (:func:`initial_state`), a torch input
  (:func:`time_major`).
* Gates: each gated cell's weight matrix ``W_g`` (n, n + m) is ``[W_rec^g  W_in^g]``; the fused form
  stacks the gates' rows in one order per cell (:data:`LSTM_GATES`, :data:`GRU_GATES`,
  :data:`MGU_GATES`; :data:`LSTM_TORCH_GATES` only to map to ``torch.nn.LSTM``) with
  :func:`stack_gates` and :func:`unstack_gates`.
* :data:`NUMPY_OPS` and :data:`TORCH_OPS`: the few operations a gated cell's equations need, so that
  each cell (``gru.gru_cell``, ``gru.mgu_cell``, ``mrnn.mrnn_cell``) is written once for numpy and torch.
* :class:`RecurrentModule`: the torch base class of ``VanillaRNN``, ``LSTM``, ``GRU`` and ``MGU``:
  fused parameters, all input projections in one product, a loop of ``cell`` steps, a readout.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from ._validate import as_array, check_choice, check_positive_ints, check_scale, check_shape

# ------------------------------------------------------------- nonlinearities

#: f(a) for the vanilla RNN (``linear``: f = identity, for analysis only).
NONLINEARITIES = {
    "relu": lambda a: np.maximum(a, 0.0),
    "tanh": np.tanh,
    "linear": lambda a: a,
}
#: f'(a), written with the pre-activation a.
DERIVATIVES = {
    "relu": lambda a: (a > 0).astype(float),
    "tanh": lambda a: 1.0 - np.tanh(a) ** 2,
    "linear": np.ones_like,
}
#: The nonlinearities a trainable vanilla RNN offers, in torch.
TORCH_NONLINEARITIES = {"relu": torch.relu, "tanh": torch.tanh}


def nonlinearity(name: str, choices=NONLINEARITIES):
    """The numpy f for ``name``, after checking it is one of ``choices``."""
    check_choice("nonlinearity", name, choices)
    return NONLINEARITIES[name]


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), computed without overflow for large |a|."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def sigmoid_inplace(a) -> None:
    """:func:`sigmoid` written into ``a`` itself (no temporary arrays)."""
    np.multiply(a, 0.5, out=a)
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


#: ``affine(p, h, W) = p + h W^T`` (torch: one fused ``addmm``), and the two squashing functions.
NUMPY_OPS = SimpleNamespace(sigmoid=sigmoid, tanh=np.tanh, affine=lambda p, h, W: p + h @ W.T)
TORCH_OPS = SimpleNamespace(sigmoid=torch.sigmoid, tanh=torch.tanh, affine=lambda p, h, W: torch.addmm(p, h, W.t()))


def derivative_from_state(h: torch.Tensor, nonlinearity: str) -> torch.Tensor:
    """f'(a) written with h = f(a): 1[h > 0] for relu, 1 - h² for tanh (torch)."""
    if nonlinearity == "relu":
        return (h > 0).to(h.dtype)
    return 1 - h ** 2


# ------------------------------------------------------- the vanilla recursions

def input_part(x, W_in, b):
    """``p_t = W_in x_t + b`` for rows x (B, m), or for every step at once (T, B, m)."""
    return x @ W_in.T + b


def rnn_step_from_input_part(h_prev, p, W_rec, f):
    """One vanilla step: ``a_t = W_rec h_{t-1} + p_t`` and ``h_t = f(a_t)``; returns ``(a_t, h_t)``.

    ``h_prev`` (B, n) or (n,), ``p`` like it; numpy arrays or torch tensors (``f`` to match).
    """
    a = h_prev @ W_rec.T + p
    return a, f(a)


def backward_step(g, a, W_rec, fprime):
    """One step of back-propagation through time: from ``g_t = dL/dh_t`` (B, n) and the
    pre-activation ``a_t``, ``da_t = f'(a_t) ⊙ g_t`` and ``g_{t-1} = W_rec^T da_t`` (through this
    step only; a loss at t - 1 adds its own part). Returns ``(da_t, g_{t-1})``."""
    da = fprime(a) * g
    return da, da @ W_rec


# --------------------------------------------------------------------- checks

def check_rnn_weights(W_in, W_rec, b, W_out=None):
    """Convert and cross-check the vanilla weights; returns the arrays and ``(m, n, k)``
    (``k`` None without ``W_out``)."""
    W_rec = as_array("W_rec", W_rec, ndim=2)
    n = W_rec.shape[0]
    check_shape("W_rec", W_rec, (n, n), "(n_hidden, n_hidden): W_rec must be square")
    if n < 1:   # a network without hidden units would output zeros whatever its input
        raise ValueError(f"W_rec: expected at least one hidden unit, got shape {W_rec.shape}")
    W_in = as_array("W_in", W_in, ndim=2)
    check_shape("W_in", W_in, (n, None), f"(n_hidden={n}, n_in): one row per hidden unit")
    m = W_in.shape[1]
    if m < 1:
        raise ValueError(f"W_in: expected at least one input column, got shape {W_in.shape}")
    b = as_array("b", b, ndim=1)
    check_shape("b", b, (n,), f"(n_hidden={n},)")
    k = None
    if W_out is not None:
        W_out = as_array("W_out", W_out, ndim=2)
        check_shape("W_out", W_out, (None, n), f"(n_out, n_hidden={n}): one column per hidden unit")
        k = W_out.shape[0]
        if k < 1:
            raise ValueError(f"W_out: expected at least one output row, got shape {W_out.shape}")
    return W_in, W_rec, b, W_out, (m, n, k)


def check_gate_weights(weights, gates):
    """Validate a gated cell's weight dict (``W_g`` (n, n + m), ``b_g`` (n,) for g in ``gates``);
    return ``(arrays, m, n)``."""
    if not isinstance(weights, dict):
        raise ValueError(f"weights: expected a dict with keys W_f, b_f, ..., got {type(weights).__name__}")
    missing = [f"{p}_{g}" for g in gates for p in ("W", "b") if f"{p}_{g}" not in weights]
    if missing:
        raise ValueError(f"weights: missing {missing}; expected W_g (n, n+m) and b_g (n,) for g in {list(gates)}")
    out = {}
    first = as_array(f"weights['W_{gates[0]}']", weights[f"W_{gates[0]}"], ndim=2)
    n = first.shape[0]
    m = first.shape[1] - n
    if n < 1:   # a cell without hidden units would output zeros whatever its input
        raise ValueError(f"weights['W_{gates[0]}']: expected at least one hidden unit, got shape {first.shape}")
    if m < 1:
        raise ValueError(f"weights['W_{gates[0]}']: expected shape (n, n + m) with m >= 1, got {first.shape}")
    for g in gates:
        W = as_array(f"weights['W_{g}']", weights[f"W_{g}"], ndim=2)
        check_shape(f"weights['W_{g}']", W, (n, n + m), f"(n_hidden={n}, n_hidden + n_in={n + m}) = [W_rec W_in]")
        b = as_array(f"weights['b_{g}']", weights[f"b_{g}"], ndim=1)
        check_shape(f"weights['b_{g}']", b, (n,), f"(n_hidden={n},)")
        out[f"W_{g}"], out[f"b_{g}"] = W, b
    return out, m, n


def initial_state(name: str, value, B: int, n: int, dtype=np.float64) -> np.ndarray:
    """An initial state (or a gradient on the last one) as a (B, n) array: zeros when ``value`` is
    None; a (n,) state is shared by the whole batch."""
    if value is None:
        return np.zeros((B, n), dtype=dtype)
    value = as_array(name, value, ndim=(1, 2))
    if value.ndim == 1:
        value = np.broadcast_to(value, (B, value.shape[0]))
    check_shape(name, value, (B, n), f"(B={B}, n_hidden={n}) or (n_hidden={n},)")
    return np.array(value, dtype=dtype)


def time_major(xs: torch.Tensor, n_in: int, batch_first: bool, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A torch module's input checked as a tensor (T, B, n_in) (or (B, T, n_in) with ``batch_first``)
    with T >= 1 (and of ``dtype``, the module's parameters' type, when given), returned time-major."""
    layout = "(B, T, n_in)" if batch_first else "(T, B, n_in)"
    if not isinstance(xs, torch.Tensor):
        raise TypeError(f"xs: expected a torch tensor of shape {layout} with n_in={n_in}, got {type(xs).__name__} "
                        "(convert it with torch.as_tensor)")
    if xs.dim() != 3 or xs.shape[-1] != n_in:
        raise ValueError(f"xs: expected shape {layout} with n_in={n_in}, got {tuple(xs.shape)}")
    if xs.shape[1 if batch_first else 0] < 1:
        raise ValueError(f"xs: expected at least one time step (T >= 1) in {layout}, got shape {tuple(xs.shape)}")
    if dtype is not None and xs.dtype != dtype:
        raise TypeError(f"xs: expected dtype {dtype}, the module's parameters' type, got {xs.dtype} "
                        f"(convert the input with xs.to({dtype}) or the module with .to({xs.dtype}))")
    return xs.transpose(0, 1) if batch_first else xs


def torch_state(name: str, value, B: int, n: int, dtype: torch.dtype) -> torch.Tensor:
    """An initial state given to a torch module, checked as a tensor (B, n) of ``dtype``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name}: expected a torch tensor of shape (B={B}, n_hidden={n}), got {type(value).__name__}")
    if tuple(value.shape) != (B, n):
        raise ValueError(f"{name}: expected shape (B={B}, n_hidden={n}), got {tuple(value.shape)}")
    if value.dtype != dtype:
        raise TypeError(f"{name}: expected dtype {dtype}, the module's parameters' type, got {value.dtype}")
    return value


# ---------------------------------------------------------------------- gates

#: The LSTM's stacking order: the three sigmoid gates first, then the tanh value v.
LSTM_GATES = ("f", "i", "o", "v")
#: The order in which the lecture writes the LSTM's equations (and random weights are drawn).
LSTM_EQUATION_ORDER = ("f", "i", "v", "o")
#: The order of torch.nn.LSTM's gate blocks, written with the lecture's names (torch's g is v).
LSTM_TORCH_GATES = ("i", "f", "v", "o")
#: The GRU's blocks: reset, update, candidate (torch.nn.GRU's r, z, n).
GRU_GATES = ("r", "u", "h")
#: The minimal gated unit's blocks: forget, candidate.
MGU_GATES = ("f", "h")


def stack_gates(weights, gates=LSTM_GATES, dtype=np.float64):
    """Stack per-gate weights into the fused form: ``(W_rec (G n, n), W_in (G n, m), b (G n,))``.

    Row block k belongs to gate ``gates[k]``; the first n columns of each W_g are its W_rec part.
    """
    n = np.shape(weights[f"b_{gates[0]}"])[0]
    W = np.concatenate([np.asarray(weights[f"W_{g}"], dtype=dtype) for g in gates])
    b = np.concatenate([np.asarray(weights[f"b_{g}"], dtype=dtype) for g in gates])
    return np.ascontiguousarray(W[:, :n]), np.ascontiguousarray(W[:, n:]), b


def unstack_gates(W_rec, W_in, b, gates=LSTM_GATES):
    """The inverse of :func:`stack_gates`: a dict ``{W_g: [W_rec^g W_in^g], b_g}``."""
    W_rec, W_in, b = (np.asarray(a, dtype=np.float64) for a in (W_rec, W_in, b))
    n = W_rec.shape[1]
    out = {}
    for k, g in enumerate(gates):
        rows = slice(k * n, (k + 1) * n)
        out[f"W_{g}"] = np.concatenate([W_rec[rows], W_in[rows]], axis=1)
        out[f"b_{g}"] = b[rows].copy()
    return out


def into_torch_module(module: nn.RNNBase, W_in, W_rec, b) -> nn.RNNBase:
    """Copy fused weights into a one-layer ``torch.nn.RNN``/``LSTM``/``GRU`` (rows already in torch's
    gate order): ``weight_ih_l0 = W_in``, ``weight_hh_l0 = W_rec``, ``bias_ih_l0 = b`` and
    ``bias_hh_l0 = 0`` (torch keeps two biases where the lecture has one). Returns the module."""
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.as_tensor(W_in))
        module.weight_hh_l0.copy_(torch.as_tensor(W_rec))
        module.bias_ih_l0.copy_(torch.as_tensor(b))
        module.bias_hh_l0.zero_()
    return module


def random_gate_weights(rng: np.random.Generator, n_in: int, n_hidden: int, gates, scale: float | None = None):
    """Random weights ``{W_g (n, n + m), b_g (n,)}`` for each gate in ``gates``, drawn in that order
    from ``rng``, uniform on ±1/sqrt(n_hidden) like torch's modules (or ±``scale``, a finite number > 0)."""
    check_scale(scale)
    s = 1.0 / np.sqrt(n_hidden) if scale is None else scale
    w = {}
    for g in gates:
        w[f"W_{g}"] = rng.uniform(-s, s, (n_hidden, n_hidden + n_in))
        w[f"b_{g}"] = rng.uniform(-s, s, n_hidden)
    return w


def to_numpy(p: torch.Tensor) -> np.ndarray:
    """A parameter as a float64 numpy array (detached, on the CPU)."""
    return p.detach().double().cpu().numpy()


# ------------------------------------------------------------ the torch base

class RecurrentModule(nn.Module):
    """Fused parameters ``W_in`` (G n, m), ``W_rec`` (G n, n), ``b`` (G n,) for the G row blocks of
    :attr:`gates`, uniform on ±1/sqrt(n) like torch's modules, and an optional readout ``W_out`` (k, n).

    ``forward(xs, state=None)`` takes (T, B, m) (or (B, T, m) with ``batch_first``), makes every
    step's input part ``W_in x_t + b`` in one product, runs ``state = cell(p_t, state)`` step by step
    and returns ``(hs, zs)``: states (T, B, n) and ``zs = hs W_out^T`` (T, B, k) (None without a
    readout), laid out like ``xs``. The final state is kept in ``self.last_state``. A subclass sets
    :attr:`gates` and writes ``cell`` (and ``state_h`` if its state is more than h).
    """

    gates: tuple = ()

    def __init__(self, n_in: int, n_hidden: int, n_out: int | None = None, batch_first: bool = False):
        super().__init__()
        check_positive_ints(n_in=n_in, n_hidden=n_hidden)
        self.n_in, self.n_hidden, self.batch_first = n_in, n_hidden, batch_first
        G, s = len(self.gates), 1.0 / np.sqrt(n_hidden)
        self.W_in = nn.Parameter(torch.empty(G * n_hidden, n_in).uniform_(-s, s))
        self.W_rec = nn.Parameter(torch.empty(G * n_hidden, n_hidden).uniform_(-s, s))
        self.b = nn.Parameter(torch.empty(G * n_hidden).uniform_(-s, s))
        self.W_out = None
        if n_out is not None:
            check_positive_ints(n_out=n_out)
            self.W_out = nn.Parameter(torch.empty(n_out, n_hidden).uniform_(-s, s))
        self.last_state = None

    def initial_state(self, xs: torch.Tensor):
        """The zero state for a time-major batch ``xs``."""
        return xs.new_zeros(xs.shape[1], self.n_hidden)

    def check_state(self, state, xs: torch.Tensor):
        """A given initial state checked against the zero state's form: one tensor ``h0`` (B, n), or a
        pair ``(h0, c0)`` of them when the state has two parts (the LSTM), in the parameters' dtype."""
        B, n, dtype = xs.shape[1], self.n_hidden, self.W_in.dtype
        if not isinstance(self.initial_state(xs), tuple):
            return torch_state("h0", state, B, n, dtype)
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            raise TypeError(f"state: expected a pair (h0, c0) of tensors of shape (B={B}, n_hidden={n}), "
                            f"got {type(state).__name__}")
        return tuple(torch_state(f"state[{k}] ({part})", v, B, n, dtype)
                     for k, (part, v) in enumerate(zip(("h0", "c0"), state)))

    def state_h(self, state) -> torch.Tensor:
        """The h_t part of a state (the whole state, unless a subclass keeps more)."""
        return state

    def steps(self, xp: torch.Tensor):
        """The input parts p_t one by one. ``unbind`` hands each step its own view; indexing ``xp[t]``
        would make each step's backward write a gradient as large as the whole of xp."""
        return xp.unbind(0)

    def run(self, xs: torch.Tensor, state=None):
        """The states h_1..h_T as a list of (B, n) tensors of one graph (so that autograd gives
        ``dL/dh_t`` for each), and the final state. ``xs`` as for :meth:`forward`."""
        xs = time_major(xs, self.n_in, self.batch_first, self.W_in.dtype)
        state = self.initial_state(xs) if state is None else self.check_state(state, xs)
        xp = input_part(xs, self.W_in, self.b)  # (T, B, G n): every step's input part in one product
        hs = []
        for p in self.steps(xp):
            state = self.cell(p, state)
            hs.append(self.state_h(state))
        self.last_state = state
        return hs, state

    def readout(self, hs: list[torch.Tensor]):
        """``(hs, zs)`` from the list of states: stacked, read out by ``W_out``, laid out like the input."""
        hs = torch.stack(hs)
        zs = None if self.W_out is None else hs @ self.W_out.t()
        if self.batch_first:
            hs = hs.transpose(0, 1)
            zs = None if zs is None else zs.transpose(0, 1)
        return hs, zs

    def forward(self, xs: torch.Tensor, state=None):
        return self.readout(self.run(xs, state)[0])

    def lecture_weights(self) -> dict:
        """The weights as the lecture's dict ``{W_g: [W_rec^g W_in^g], b_g}`` (numpy, float64)."""
        return unstack_gates(to_numpy(self.W_rec), to_numpy(self.W_in), to_numpy(self.b), gates=self.gates)

    def load_lecture_weights(self, weights: dict):
        """Copy the lecture's weight dict into this module (returns self)."""
        w, m, n = check_gate_weights(weights, self.gates)
        if (m, n) != (self.n_in, self.n_hidden):
            raise ValueError(f"weights: expected n_in={self.n_in}, n_hidden={self.n_hidden}, "
                             f"got n_in={m}, n_hidden={n}")
        W_rec, W_in, b = stack_gates(w, gates=self.gates)
        with torch.no_grad():
            for p, value in ((self.W_rec, W_rec), (self.W_in, W_in), (self.b, b)):
                p.copy_(torch.as_tensor(value, dtype=p.dtype))
        return self
