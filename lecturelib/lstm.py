"""The long short-term memory (LSTM) of chapter 4, in numpy and in PyTorch.

The lecture's equations, with ``[h_{t-1}; x_t]`` the previous state stacked on the input
and each gate matrix split as ``W_f = [W_rec^f  W_in^f]``::

    f_t = sigma(W_f [h_{t-1}; x_t] + b_f)       forget gate, in (0, 1)
    i_t = sigma(W_i [h_{t-1}; x_t] + b_i)       input gate,  in (0, 1)
    v_t = tanh (W_v [h_{t-1}; x_t] + b_v)       value,       in (-1, 1)
    o_t = sigma(W_o [h_{t-1}; x_t] + b_o)       output gate, in (0, 1)
    c_t = f_t * c_{t-1} + i_t * v_t             the cell state (memory)
    h_t = o_t * tanh(c_t)                       the read-out

Shapes: ``x_t`` has ``m = n_in`` entries, ``h_t`` and ``c_t`` have ``n = n_hidden``; each of
``W_f, W_i, W_v, W_o`` is (n, n + m), the first n columns acting on h_{t-1}; each bias is (n,).
Weights travel as a dict ``{"W_f": ..., "b_f": ..., ...}`` (see :func:`random_lstm_weights`).

Inside the functions the four gates are stacked into one matrix of 4n rows, in the order
:data:`GATES` = (f, i, o, v): the three sigmoid gates first, then the tanh value, so that one
sigmoid covers a contiguous block (the gate orders, the stacking and the torch base class are in
:mod:`lecturelib.recurrent`). The input part of all time steps is then one matrix product
before the loop; each step adds one recurrent product ``h_{t-1} @ W_rec^T``.

``torch.nn.LSTM`` computes the same function with its gates stacked as (i, f, g, o) (its ``g`` is
our ``v``) and two biases, ``bias_ih + bias_hh``, where the lecture has one; see
:func:`lstm_to_torch` and :func:`lstm_from_torch`.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._validate import as_array, as_sequences, check_elements, check_positive_ints, check_real, check_seed, check_shape
from .gradients import backprop_norms, default_rnn_init
from .recurrent import (LSTM_EQUATION_ORDER, LSTM_GATES, LSTM_TORCH_GATES, RecurrentModule, check_gate_weights,
                        initial_state, into_torch_module, random_gate_weights, sigmoid, sigmoid_inplace, stack_gates,
                        time_major, to_numpy, unstack_gates)

# sigmoid, stack_gates and unstack_gates are imported from here by tests and chapter 4.

#: The order in which lecturelib stacks the gates (sigmoid gates first, then the tanh value).
GATES = LSTM_GATES
#: The order of torch.nn.LSTM's gate blocks, written with the lecture's names (torch's g is v).
TORCH_GATES = LSTM_TORCH_GATES


def _check_lstm_weights(weights):
    """Validate an LSTM weight dict; return float arrays and (m, n)."""
    return check_gate_weights(weights, GATES)


def random_lstm_weights(n_in: int, n_hidden: int, seed: int = 0, scale: float | None = None,
                        forget_bias: float = 0.0) -> dict:
    """Random LSTM weights, uniform on ±1/sqrt(n_hidden) like ``torch.nn.LSTM`` (or ±``scale``).

    ``forget_bias`` is added to ``b_f``: a positive value (1 is the usual choice, Gers et al. 2000;
    Jozefowicz et al. 2015) starts the forget gates near 1, so the cell remembers by default.
    """
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    check_elements("n_hidden", 4 * n_hidden * (n_hidden + n_in + 1), "the weights")
    check_seed(seed)
    forget_bias = check_real("forget_bias", forget_bias)
    w = random_gate_weights(np.random.default_rng(seed), n_in, n_hidden, LSTM_EQUATION_ORDER, scale)
    w["b_f"] = w["b_f"] + forget_bias
    return w


def count_lstm_parameters(n_in: int, n_hidden: int, n_out: int = 0) -> int:
    """Parameters of the lecture's LSTM: four gates, each ``W_g`` (n, n+m) and ``b_g`` (n,),
    i.e. ``4 (n (n + m) + n)``, plus ``n_out * n`` for a readout W_out if ``n_out > 0``.

    Without the readout this is exactly four times the vanilla RNN's ``n (n + m) + n``.
    (``torch.nn.LSTM`` has 4n more: its second bias.)
    """
    check_positive_ints(n_in=n_in, n_hidden=n_hidden)
    if not isinstance(n_out, (int, np.integer)) or n_out < 0:
        raise ValueError(f"n_out: expected a non-negative integer, got {n_out!r}")
    n, m = n_hidden, n_in
    return 4 * (n * (n + m) + n) + n_out * n


# ----------------------------------------------------------------- numpy

def lstm_step(h_prev, c_prev, x, weights: dict):
    """One LSTM step, the lecture's six equations: one step of :func:`lecturelib.lstm.lstm_forward`
    (the equations are written once, in its loop).

    Args:
        h_prev, c_prev: (n,) or (B, n). x: (m,) or (B, m). weights: the dict of W_g, b_g.

    Returns:
        ``(h_t, c_t)``, each shaped like ``h_prev``.
    """
    w, m, n = _check_lstm_weights(weights)
    h_prev = as_array("h_prev", h_prev, ndim=(1, 2))
    check_shape("h_prev", h_prev, h_prev.shape[:-1] + (n,), f"(..., n_hidden={n})")
    c_prev = as_array("c_prev", c_prev, ndim=(1, 2))
    check_shape("c_prev", c_prev, h_prev.shape, f"like h_prev, {h_prev.shape}")
    x = as_array("x", x, ndim=(1, 2))
    check_shape("x", x, h_prev.shape[:-1] + (m,), f"(batch as h_prev, n_in={m})")
    hs, cs, _ = lstm_forward(x[None], w, h0=h_prev, c0=c_prev)  # a sequence of one step
    return hs[0], cs[0]


def lstm_forward(xs, weights: dict, h0=None, c0=None, batch_first: bool = False, dtype=np.float64):
    """Run the LSTM over whole sequences (numpy).

    Args:
        xs: (T, B, m), or (B, T, m) with ``batch_first``, or (T, m) for one sequence.
        weights: the dict of ``W_g`` (n, n+m) and ``b_g`` (n,) for g in f, i, v, o.
        h0, c0: initial states, (B, n) or (n,); zeros when omitted.
        dtype: the floating type to compute in (float64 for checks, float32 for speed).

    Returns:
        ``(hs, cs, cache)``: states h_t and cells c_t, (T, B, n) each, laid out like ``xs``; and the
        ``cache`` that :func:`lstm_backward` needs (time-major arrays).
    """
    w, m, n = _check_lstm_weights(weights)
    xs, single = as_sequences(xs, m, batch_first)
    xs = xs.astype(dtype, copy=False)
    T, B, _ = xs.shape
    h = initial_state("h0", h0, B, n, dtype)
    c = initial_state("c0", c0, B, n, dtype)
    W_rec, W_in, b = stack_gates(w, dtype=dtype)
    # Every step's input part in one product; the buffer then receives the activated gates in place.
    gates = (xs.reshape(T * B, m) @ W_in.T).reshape(T, B, 4 * n)
    gates += b
    W_rec_T = np.ascontiguousarray(W_rec.T)
    hs = np.empty((T + 1, B, n), dtype=dtype)  # hs[0] = h0, hs[t + 1] = h_t
    cs = np.empty((T + 1, B, n), dtype=dtype)
    tanh_c = np.empty((T, B, n), dtype=dtype)
    hs[0], cs[0] = h, c
    for t in range(T):
        g = gates[t]
        g += h @ W_rec_T  # pre-activations of the four gates, (B, 4n)
        sigmoid_inplace(g[:, :3 * n])
        np.tanh(g[:, 3 * n:], out=g[:, 3 * n:])
        f, i, o, v = g[:, :n], g[:, n:2 * n], g[:, 2 * n:3 * n], g[:, 3 * n:]
        c = f * c + i * v          # c_t = f_t * c_{t-1} + i_t * v_t
        tanh_c[t] = np.tanh(c)
        h = o * tanh_c[t]          # h_t = o_t * tanh(c_t)
        hs[t + 1], cs[t + 1] = h, c
    cache = dict(xs=xs, hs=hs, cs=cs, gates=gates, tanh_c=tanh_c, W_rec=W_rec, W_in=W_in, n=n, m=m,
                 single=single, batch_first=batch_first)
    out_h, out_c = hs[1:], cs[1:]
    if single:
        return out_h[:, 0], out_c[:, 0], cache
    if batch_first:
        return out_h.transpose(1, 0, 2), out_c.transpose(1, 0, 2), cache
    return out_h, out_c, cache


def lstm_backward(dhs, cache, dh_last=None, dc_last=None, return_state_grads: bool = False):
    """Backpropagation through time for :func:`lstm_forward`.

    Args:
        dhs: dL/dh_t from outside the recurrence (e.g. from a readout or loss at each step),
            shaped like ``hs`` (zeros where a step has no loss).
        cache: the third output of :func:`lstm_forward`.
        dh_last, dc_last: extra gradients on the final h_T and c_T (e.g. from a later segment).
        return_state_grads: also return the total dL/dh_t and dL/dc_t for every step.

    Along the cell path the gradient only meets the forget gate::

        dL/dc_{t-1} = dL/dc_t * f_t  (+ the part through h_{t-1})

    Returns:
        ``grads``: a dict with ``W_f, b_f, ...`` (shaped like the weights), ``xs`` (shaped like the
        forward's input), ``h0`` and ``c0`` ((B, n)); with ``return_state_grads`` also ``h`` and ``c``,
        the total dL/dh_t and dL/dc_t, time-major (T, B, n).
    """
    if not isinstance(cache, dict) or "gates" not in cache:
        raise ValueError("cache: expected the cache returned by lstm_forward")
    xs, hs, cs, gates, tanh_c = (cache[k] for k in ("xs", "hs", "cs", "gates", "tanh_c"))
    W_rec, W_in, n, m = cache["W_rec"], cache["W_in"], cache["n"], cache["m"]
    T, B, _ = xs.shape
    dtype = xs.dtype
    dhs = as_array("dhs", dhs, ndim=(2, 3))
    if cache["single"]:
        check_shape("dhs", dhs, (T, n), f"(T={T}, n_hidden={n}), like hs")
        dhs = dhs[:, None, :]
    elif cache["batch_first"]:
        check_shape("dhs", dhs, (B, T, n), f"(B={B}, T={T}, n_hidden={n}), like hs")
        dhs = dhs.transpose(1, 0, 2)
    else:
        check_shape("dhs", dhs, (T, B, n), f"(T={T}, B={B}, n_hidden={n}), like hs")
    dhs = dhs.astype(dtype, copy=False)
    dh = initial_state("dh_last", dh_last, B, n, dtype)
    dc = initial_state("dc_last", dc_last, B, n, dtype)
    da = np.empty((T, B, 4 * n), dtype=dtype)  # dL/d(pre-activations), gates f, i, o, v
    dh_all = np.empty((T, B, n), dtype=dtype) if return_state_grads else None
    dc_all = np.empty((T, B, n), dtype=dtype) if return_state_grads else None
    for t in range(T - 1, -1, -1):
        g = gates[t]
        f, i, o, v = g[:, :n], g[:, n:2 * n], g[:, 2 * n:3 * n], g[:, 3 * n:]
        dh = dh + dhs[t]  # total dL/dh_t: from this step's loss and from step t+1
        tc = tanh_c[t]
        dc = dc + dh * o * (1.0 - tc * tc)  # total dL/dc_t
        if return_state_grads:
            dh_all[t], dc_all[t] = dh, dc
        d = da[t]
        d[:, :n] = dc * cs[t] * f * (1.0 - f)            # forget gate: c_{t-1}
        d[:, n:2 * n] = dc * v * i * (1.0 - i)           # input gate
        d[:, 2 * n:3 * n] = dh * tc * o * (1.0 - o)      # output gate
        d[:, 3 * n:] = dc * i * (1.0 - v * v)            # value
        dc = dc * f                                      # the highway: dL/dc_{t-1} = dL/dc_t * f_t
        dh = d @ W_rec                                   # dL/dh_{t-1} through all four gates
    da2 = da.reshape(T * B, 4 * n)
    dW_rec = da2.T @ hs[:-1].reshape(T * B, n)
    dW_in = da2.T @ xs.reshape(T * B, m)
    db = da2.sum(axis=0)
    grads = unstack_gates(dW_rec, dW_in, db)
    dxs = (da2 @ W_in).reshape(T, B, m)
    if cache["single"]:
        dxs = dxs[:, 0]
    elif cache["batch_first"]:
        dxs = dxs.transpose(1, 0, 2)
    grads.update(xs=dxs, h0=dh, c0=dc)
    if return_state_grads:
        grads.update(h=dh_all, c=dc_all)
    return grads


# ----------------------------------------------------------------- PyTorch

class LSTM(RecurrentModule):
    """The lecture's LSTM in PyTorch with fused gates.

    Parameters: ``W_in`` (4n, m), ``W_rec`` (4n, n) and ``b`` (4n,), row blocks in the order
    :data:`GATES` = (f, i, o, v); optionally a readout ``W_out`` (k, n). The input projections of
    all time steps are one matrix product; each step then makes one recurrent product.

    ``forward(xs, state=None)`` takes (T, B, m) (or (B, T, m) with ``batch_first``) and an optional
    ``(h0, c0)``, and returns ``(hs, zs)``: states (T, B, n) and, with ``n_out``, outputs
    ``zs = hs W_out^T`` (T, B, k), else None. The final ``(h_T, c_T)`` is kept in ``self.last_state``.
    """

    gates = GATES

    def __init__(self, n_in: int, n_hidden: int, n_out: int | None = None, batch_first: bool = False,
                 forget_bias: float = 0.0):
        forget_bias = check_real("forget_bias", forget_bias)
        super().__init__(n_in, n_hidden, n_out, batch_first)
        with torch.no_grad():
            self.b[:n_hidden] += forget_bias

    def initial_state(self, xs):
        h = c = xs.new_zeros(xs.shape[1], self.n_hidden)
        return h, c

    def state_h(self, state):
        return state[0]

    def cell(self, p, state):
        """One step from the input part ``p`` = W_in x_t + b (B, 4n) and ``(h_{t-1}, c_{t-1})``."""
        h, c = state
        n = self.n_hidden
        a = torch.addmm(p, h, self.W_rec.t())
        fio = torch.sigmoid(a[:, :3 * n])
        v = torch.tanh(a[:, 3 * n:])
        f, i, o = fio.chunk(3, 1)
        c = torch.addcmul(f * c, i, v)  # c_t = f_t * c_{t-1} + i_t * v_t
        h = o * torch.tanh(c)           # h_t = o_t * tanh(c_t)
        return h, c


class UnfusedLSTM(nn.Module):
    """The LSTM written the way many course books write it: twelve separate parameter tensors
    (for each gate an input matrix, a recurrent matrix and a bias) and eight matrix products per
    step. Same function as :class:`LSTM`; kept to measure what fusing the gates buys.
    """

    def __init__(self, n_in: int, n_hidden: int, batch_first: bool = False):
        super().__init__()
        check_positive_ints(n_in=n_in, n_hidden=n_hidden)
        self.n_in, self.n_hidden, self.batch_first = n_in, n_hidden, batch_first
        s = 1.0 / np.sqrt(n_hidden)
        for g in LSTM_EQUATION_ORDER:
            setattr(self, f"W_in_{g}", nn.Parameter(torch.empty(n_hidden, n_in).uniform_(-s, s)))
            setattr(self, f"W_rec_{g}", nn.Parameter(torch.empty(n_hidden, n_hidden).uniform_(-s, s)))
            setattr(self, f"b_{g}", nn.Parameter(torch.empty(n_hidden).uniform_(-s, s)))

    def forward(self, xs: torch.Tensor, state=None):
        xs = time_major(xs, self.n_in, self.batch_first, self.W_in_f.dtype)
        h = c = xs.new_zeros(xs.shape[1], self.n_hidden)
        if state is not None:
            h, c = state

        def affine(g, x, h):
            return x @ getattr(self, f"W_in_{g}").t() + h @ getattr(self, f"W_rec_{g}").t() + getattr(self, f"b_{g}")

        hs = []
        for x in xs.unbind(0):
            f = torch.sigmoid(affine("f", x, h))
            i = torch.sigmoid(affine("i", x, h))
            v = torch.tanh(affine("v", x, h))
            o = torch.sigmoid(affine("o", x, h))
            c = f * c + i * v
            h = o * torch.tanh(c)
            hs.append(h)
        hs = torch.stack(hs)
        return (hs.transpose(0, 1) if self.batch_first else hs), None

    def load_lecture_weights(self, weights: dict) -> "UnfusedLSTM":
        w, m, n = _check_lstm_weights(weights)
        with torch.no_grad():
            for g in LSTM_EQUATION_ORDER:
                getattr(self, f"W_rec_{g}").copy_(torch.as_tensor(w[f"W_{g}"][:, :n]))
                getattr(self, f"W_in_{g}").copy_(torch.as_tensor(w[f"W_{g}"][:, n:]))
                getattr(self, f"b_{g}").copy_(torch.as_tensor(w[f"b_{g}"]))
        return self


# ------------------------------------------------------- torch.nn.LSTM mapping

def lstm_to_torch(weights: dict, batch_first: bool = False, dtype=torch.float64) -> nn.LSTM:
    """A ``torch.nn.LSTM`` computing the lecture's LSTM with these weights.

    torch stacks its gate blocks as (i, f, g, o) (g = our v) in ``weight_ih_l0`` (4n, m) and
    ``weight_hh_l0`` (4n, n), and adds two biases; we put b in ``bias_ih_l0`` and zeros in ``bias_hh_l0``.
    """
    w, m, n = _check_lstm_weights(weights)
    W_rec, W_in, b = stack_gates(w, gates=TORCH_GATES)
    return into_torch_module(nn.LSTM(m, n, batch_first=batch_first, dtype=dtype), W_in, W_rec, b)


def lstm_from_torch(lstm: nn.LSTM) -> dict:
    """The lecture's weight dict from a one-layer, unidirectional ``torch.nn.LSTM``;
    its two biases are summed into one (the function computed is the same)."""
    if not isinstance(lstm, nn.LSTM):
        raise ValueError(f"lstm: expected a torch.nn.LSTM, got {type(lstm).__name__}")
    if lstm.num_layers != 1 or lstm.bidirectional or lstm.proj_size:
        raise ValueError("lstm: expected one layer, unidirectional, without projections "
                         f"(got num_layers={lstm.num_layers}, bidirectional={lstm.bidirectional}, "
                         f"proj_size={lstm.proj_size})")
    get = lambda name: to_numpy(getattr(lstm, name))  # noqa: E731
    b = get("bias_ih_l0") + get("bias_hh_l0") if lstm.bias else np.zeros(4 * lstm.hidden_size)
    return unstack_gates(get("weight_hh_l0"), get("weight_ih_l0"), b, gates=TORCH_GATES)


# -------------------------------------------------- demonstrations and measures

def memory_cell_weights(gain: float = 10.0) -> dict:
    """Hand-set weights of a one-unit LSTM that stores a bit and reads it out on cue.

    Inputs x_t = (write, bit, read): the input gate opens only on ``write``, the value is
    ``tanh(gain (bit - 1/2))`` = ±1 (approximately), the forget gate closes only on ``write`` (so
    the old content is replaced) and stays near 1 otherwise, and the output gate opens only on ``read``.
    Between a write and a read the cell holds its content, to within f_t ≈ sigmoid(gain) per step.
    """
    k = float(gain)
    # columns: [h_{t-1}, write, bit, read]
    return {
        "W_f": np.array([[0.0, -2 * k, 0.0, 0.0]]), "b_f": np.array([k]),
        "W_i": np.array([[0.0, 2 * k, 0.0, 0.0]]), "b_i": np.array([-k]),
        "W_v": np.array([[0.0, 0.0, 2 * k, 0.0]]), "b_v": np.array([-k]),
        "W_o": np.array([[0.0, 0.0, 0.0, 2 * k]]), "b_o": np.array([-k]),
    }


def memory_task_inputs(bit: int, T: int = 100, write_at: int = 0, read_at: int | None = None) -> np.ndarray:
    """Inputs (T, 3) for :func:`memory_cell_weights`: write ``bit`` at ``write_at``, read at ``read_at``
    (default the last step)."""
    if bit not in (0, 1) or isinstance(bit, complex):
        raise ValueError(f"bit: expected 0 or 1, got {bit!r}")
    check_positive_ints(T=T)
    check_elements("T", 3 * T, "the inputs (T, 3)")
    read_at = T - 1 if read_at is None else read_at
    for name, v in (("write_at", write_at), ("read_at", read_at)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name}: expected an integer step, got {v!r}")
    if not 0 <= write_at < read_at < T:
        raise ValueError(f"write_at, read_at: expected 0 <= write_at < read_at < T={T}, got {write_at}, {read_at}")
    xs = np.zeros((T, 3))
    xs[write_at, 0], xs[write_at, 1] = 1.0, float(bit)
    xs[read_at, 2] = 1.0
    return xs


def lstm_state_gradient_norms(weights: dict, xs, seed: int = 0):
    """The norm of dL/dh_t and dL/dc_t against the distance T - t, for a loss on the last state.

    The loss is ``L = w . h_T`` with a fixed random unit vector w (a stand-in for any readout),
    averaged over the batch. Returns ``(distance, norm_dh, norm_dc)``, each (T,), distance = T - t
    running from 0 (the last step) to T - 1; norms are the mean over the batch of the 2-norm.
    """
    hs, cs, cache = lstm_forward(xs, weights)
    T, B, n = cache["hs"].shape[0] - 1, cache["xs"].shape[1], cache["n"]
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n)
    w /= np.linalg.norm(w)
    dhs = np.zeros((T, B, n))
    dhs[-1] = w
    g = lstm_backward(dhs if not cache["single"] else dhs[:, 0], cache, return_state_grads=True)
    norm_dh = np.linalg.norm(g["h"], axis=-1).mean(axis=1)[::-1]
    norm_dc = np.linalg.norm(g["c"], axis=-1).mean(axis=1)[::-1]
    return np.arange(T), norm_dh, norm_dc


# ------------------------------------------------------------------ figures

def plot_gradient_highway(axes, xs, n_hidden: int, forget_biases=(-1.0, 0.0, 1.0, 3.0), seed: int = 0,
                          ymin: float = 1e-30):
    """Chapter 4's figure: ``||dL/dh_t||`` (``axes[0]``) and ``||dL/dc_t||`` (``axes[1]``) against T - t
    for a loss on the last state, for LSTMs with each forget-gate bias, next to a vanilla tanh RNN
    with PyTorch's default initialization (:func:`lecturelib.gradients.backprop_norms`) on the left.

    Args:
        axes: two matplotlib axes. xs: inputs (T, B, m) driving the LSTMs.
        n_hidden: the width of every network. forget_biases: the constants added to b_f.
    """
    xs = as_array("xs", xs, ndim=3)
    T, _, m = xs.shape
    ax_h, ax_c = axes
    vanilla = backprop_norms(default_rnn_init(n_hidden, seed=seed), T, "tanh", n_in=m, seed=seed)
    ax_h.semilogy(np.arange(T + 1), vanilla, color="gray", lw=2.5, label="vanilla tanh RNN")
    blues = ["#9ecae1", "#4292c6", "#08519c", "#08306b", "#041f45"]
    for k, fb in enumerate(forget_biases):
        colour = blues[min(k, len(blues) - 1)]
        w = random_lstm_weights(m, n_hidden, seed=seed, forget_bias=fb)
        distance, norm_dh, norm_dc = lstm_state_gradient_norms(w, xs, seed=seed)
        ax_h.semilogy(distance, norm_dh, color=colour, label=f"LSTM, forget bias {fb:+g}")
        ax_c.semilogy(distance, norm_dc, color=colour, label=f"forget bias {fb:+g}")
    ax_h.set_ylim(ymin, 1e2)
    ax_h.set(xlabel="distance T − t (steps)", ylabel=r"$\|\partial L/\partial h_t\|$",
             title="gradient on the state")
    ax_c.set(xlabel="distance T − t (steps)", ylabel=r"$\|\partial L/\partial c_t\|$",
             title="gradient on the LSTM cell")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, loc="lower left")
    return axes
