"""Backpropagation through time (BPTT) for the vanilla RNN of chapter 1, in numpy.

The network, unrolled over T steps (rows are batch elements, time-major arrays)::

    a_t = W_rec h_{t-1} + W_in x_t + b        (pre-activation)
    h_t = f(a_t)                              f = relu, tanh (or linear, for analysis)
    z_t = W_out h_t
    L   = Σ_t L_t,  L_t = 1/(2B) Σ_batch ||z_t - y_t||²     (loss="every")
    L   = L_T                                                  (loss="last")

The backward pass walks the unrolled graph from t = T down to 1. With
``g_t = dL/dh_t`` (every path from h_t to the loss)::

    g_T     = W_out^T dL/dz_T
    da_t    = f'(a_t) ⊙ g_t                   (relu: f'(a_t) = 1[a_t > 0])
    g_{t-1} = W_out^T dL/dz_{t-1} + W_rec^T da_t      <- the lecture's recursion
    dL/dW_rec = Σ_t da_t h_{t-1}^T,   dL/dW_in = Σ_t da_t x_t^T,   dL/db = Σ_t da_t
    dL/dW_out = Σ_t dL/dz_t h_t^T,    dL/dh_0 = W_rec^T da_1

Truncated BPTT comes in two forms here: :func:`truncated_grads` lets each loss L_s
back-propagate only ``p`` steps (the lecture's description), and :func:`tbptt_k1k2`
is the streaming form BPTT(k1, k2): every k1 steps, back-propagate the losses of
those k1 steps through the last k2 steps. :func:`tbptt_k1k2_torch` does the same in
PyTorch with ``detach``.
"""
from __future__ import annotations

import matplotlib
import numpy as np
import torch

from ._validate import as_array, as_sequences, check_choice, check_positive_ints, check_shape
from .recurrent import (DERIVATIVES, NONLINEARITIES, backward_step, check_rnn_weights, initial_state, input_part,
                        rnn_step_from_input_part)
from .rnn import VanillaRNN

#: The nonlinearities BPTT handles (f and f'), from :mod:`lecturelib.recurrent`: relu, tanh, linear.
FORWARD, DERIVATIVE = NONLINEARITIES, DERIVATIVES
PARAMS = ("W_in", "W_rec", "b", "W_out", "h0")


def bptt_forward(xs, W_in, W_rec, b, W_out, h0=None, nonlinearity: str = "relu"):
    """Forward pass that keeps what the backward pass needs.

    Args:
        xs: (T, B, m) inputs (time-major), or (T, m) for one sequence.
        W_in (n, m), W_rec (n, n), b (n,), W_out (k, n): weights, as in :mod:`lecturelib.rnn`.
        h0: (B, n) or (n,) initial state; zeros when omitted.
        nonlinearity: "relu", "tanh" or "linear".

    Returns:
        ``(zs, cache)``: outputs (T, B, k) (or (T, k)), and a dict with the inputs, the
        pre-activations ``a`` (T, B, n), the states ``hs`` (T + 1, B, n) with ``hs[0] = h0``,
        the weights and the nonlinearity.
    """
    check_choice("nonlinearity", nonlinearity, FORWARD)
    if W_out is None:
        raise ValueError("W_out: expected an (n_out, n_hidden) array, got None")
    W_in, W_rec, b, W_out, (m, n, _) = check_rnn_weights(W_in, W_rec, b, W_out)
    xs, single = as_sequences(xs, m)
    T, B, _ = xs.shape
    h0_shared = h0 is not None and np.ndim(h0) == 1  # one initial state for the whole batch
    f = FORWARD[nonlinearity]
    a = np.empty((T, B, n))
    hs = np.empty((T + 1, B, n))
    hs[0] = initial_state("h0", h0, B, n)
    pre_in = input_part(xs, W_in, b)  # all input projections at once, (T, B, n)
    for t in range(T):
        a[t], hs[t + 1] = rnn_step_from_input_part(hs[t], pre_in[t], W_rec, f)
    zs = hs[1:] @ W_out.T
    cache = dict(xs=xs, a=a, hs=hs, W_in=W_in, W_rec=W_rec, b=b, W_out=W_out,
                 nonlinearity=nonlinearity, single=single, h0_shared=h0_shared)
    return (zs[:, 0] if single else zs), cache


def mse_loss(zs, ys, loss: str = "every"):
    """The loss and its gradient with respect to the outputs.

    ``L_t = 1/(2B) Σ_batch ||z_t - y_t||²``; ``loss="every"``: L = Σ_t L_t with ys like zs,
    (T, B, k); ``loss="last"``: L = L_T with ys (B, k). (Unbatched (T, k) zs: B = 1.)

    Returns:
        ``(L, dzs)``: the loss (float) and dL/dz, shaped like ``zs``.
    """
    check_choice("loss", loss, ("every", "last"))
    zs = as_array("zs", zs, ndim=(2, 3))
    single = zs.ndim == 2
    z3 = zs[:, None] if single else zs
    T, B, k = z3.shape
    ys = as_array("ys", ys)
    if loss == "every":
        y3 = ys[:, None] if single else ys
        check_shape("ys", y3, (T, B, k), f"(T={T}, B={B}, n_out={k}) for a loss on every step")
        diff = z3 - y3
    else:
        y2 = ys[None] if single else ys
        check_shape("ys", y2, (B, k), f"(B={B}, n_out={k}) for a loss on the last step")
        diff = np.zeros_like(z3)
        diff[-1] = z3[-1] - y2
    L = float(np.sum(diff ** 2) / (2 * B))
    dz = diff / B
    return L, (dz[:, 0] if single else dz)


def _backward(cache, dzs, t_stop: int = 0):
    """Backward from step T to step t_stop + 1; returns grads and g = dL/dh_t for every t."""
    xs, a, hs = cache["xs"], cache["a"], cache["hs"]
    W_rec, W_out = cache["W_rec"], cache["W_out"]
    fprime = DERIVATIVE[cache["nonlinearity"]]
    T, B, n = a.shape
    grads = {k: np.zeros_like(cache[k]) for k in ("W_in", "W_rec", "b", "W_out")}
    dh = np.zeros((T + 1, B, n))
    grads["W_out"] = np.einsum("tbk,tbn->kn", dzs, hs[1:])
    g = np.zeros((B, n))
    for t in range(T, t_stop, -1):          # t is the lecture's time index, 1..T
        g = g + dzs[t - 1] @ W_out           # the loss L_t enters here: W_out^T dL/dz_t
        dh[t] = g
        da, g = backward_step(g, a[t - 1], W_rec, fprime)   # dL/dh_{t-1} = W_rec^T (f'(a_t) ⊙ dL/dh_t)
        _accumulate(grads, da, hs[t - 1], xs[t - 1])
    dh[t_stop] = g
    return grads, dh


def _accumulate(grads, da, h_prev, x):
    """Add one step's terms: dL/dW_rec += da_t h_{t-1}^T, dL/dW_in += da_t x_t^T, dL/db += da_t."""
    grads["W_rec"] += da.T @ h_prev
    grads["W_in"] += da.T @ x
    grads["b"] += da.sum(0)


_CACHE_KEYS = ("xs", "a", "hs", "W_in", "W_rec", "b", "W_out", "nonlinearity", "single")


def _dzs3(cache, dzs):
    if not isinstance(cache, dict) or any(k not in cache for k in _CACHE_KEYS):
        raise ValueError(f"cache: expected the cache that bptt_forward returns (a dict with {list(_CACHE_KEYS)}), "
                         f"got {type(cache).__name__}")
    dzs = as_array("dzs", dzs)
    if cache["single"]:
        dzs = dzs[:, None]
    T, B, _ = cache["a"].shape
    check_shape("dzs", dzs, (T, B, cache["W_out"].shape[0]), "like the outputs zs")
    return dzs


def bptt_backward(cache, dzs, return_state_grads: bool = False):
    """Full BPTT: the gradients of W_in, W_rec, b, W_out and h0, from dL/dz (see the module doc).

    Args:
        cache: from :func:`bptt_forward`.
        dzs: dL/dz_t, shaped like the outputs (from :func:`mse_loss` or any loss).
        return_state_grads: also return ``dh``, (T + 1, B, n): ``dh[t] = dL/dh_t``.

    Returns:
        dict name -> gradient, shaped like the parameter (``h0`` like the h0 passed in).
    """
    dzs = _dzs3(cache, dzs)
    grads, dh = _backward(cache, dzs)
    grads["h0"] = dh[0].sum(0) if cache["h0_shared"] else (dh[0, 0] if cache["single"] else dh[0])
    if return_state_grads:
        return grads, (dh[:, 0] if cache["single"] else dh)
    return grads


def bptt(xs, ys, W_in, W_rec, b, W_out, h0=None, nonlinearity: str = "relu", loss: str = "every"):
    """Forward, loss and backward in one call: returns ``(L, grads)``."""
    zs, cache = bptt_forward(xs, W_in, W_rec, b, W_out, h0, nonlinearity)
    L, dzs = mse_loss(zs, ys, loss)
    return L, bptt_backward(cache, dzs)


def wrec_contributions(cache, dzs) -> np.ndarray:
    """The sum over paths made explicit: ``C[s, t] = ∂L_s/∂W_rec`` through the copy of W_rec
    used at step t (zero for t > s). Then ``dL/dW_rec = Σ_s Σ_t C[s, t]``.

    Returns:
        (T, T, n, n) array, indices (s - 1, t - 1) for the lecture's 1-based steps.
    """
    dzs = _dzs3(cache, dzs)
    xs, a, hs = cache["xs"], cache["a"], cache["hs"]
    W_rec, W_out = cache["W_rec"], cache["W_out"]
    fprime = DERIVATIVE[cache["nonlinearity"]]
    T, B, n = a.shape
    C = np.zeros((T, T, n, n))
    for s in range(T, 0, -1):
        g = dzs[s - 1] @ W_out               # dL_s/dh_s
        for t in range(s, 0, -1):
            da, g = backward_step(g, a[t - 1], W_rec, fprime)
            C[s - 1, t - 1] = da.T @ hs[t - 1]
    return C


def truncated_grads(cache, dzs, p: int) -> dict:
    """Truncated BPTT as the lecture puts it: each loss L_s back-propagates through only
    ``p`` steps (s, s-1, ..., s-p+1); the earlier states are treated as constants.

    Equals :func:`bptt_backward` (W_in, W_rec, b, W_out) when ``p >= T``. Cost O(T·p).
    """
    check_positive_ints(p=p)
    dzs = _dzs3(cache, dzs)
    xs, a, hs = cache["xs"], cache["a"], cache["hs"]
    W_rec, W_out = cache["W_rec"], cache["W_out"]
    fprime = DERIVATIVE[cache["nonlinearity"]]
    T = a.shape[0]
    grads = {k: np.zeros_like(cache[k]) for k in ("W_in", "W_rec", "b")}
    grads["W_out"] = np.einsum("tbk,tbn->kn", dzs, hs[1:])
    for s in range(T, 0, -1):
        g = dzs[s - 1] @ W_out
        for t in range(s, max(s - p, 0), -1):
            da, g = backward_step(g, a[t - 1], W_rec, fprime)
            _accumulate(grads, da, hs[t - 1], xs[t - 1])
    return grads


def tbptt_k1k2(xs, ys, W_in, W_rec, b, W_out, k1: int, k2: int, h0=None, nonlinearity: str = "relu"):
    """BPTT(k1, k2) on a stream, at fixed weights: after every k1 steps (t = k1, 2 k1, ...),
    the losses of those k1 steps are back-propagated through the last k2 steps only (``h_{t-k2}``
    is a constant). Requires ``k2 >= k1`` so every loss is covered.

    Args:
        xs: (T, B, m) stream. ys: (T, B, k) targets; losses as in :func:`mse_loss` ("every").

    Returns:
        A list with one dict of gradients (W_in, W_rec, b, W_out) per update. In training,
        the weights would change between the updates; here they are held fixed so the
        gradients can be compared with the full gradient.
    """
    check_positive_ints(k1=k1, k2=k2)
    if k2 < k1:
        raise ValueError(f"k2: expected k2 >= k1 = {k1} (the last k1 losses must be covered), got {k2}")
    zs, cache = bptt_forward(xs, W_in, W_rec, b, W_out, h0, nonlinearity)
    xs3 = cache["xs"]
    T, B, _ = xs3.shape
    ys3 = as_array("ys", ys)
    ys3 = ys3[:, None] if cache["single"] else ys3
    check_shape("ys", ys3, (T, B, cache["W_out"].shape[0]), "(T, B, n_out): one target per step of xs")
    updates = []
    for end in range(k1, T + 1, k1):
        start = max(end - k2, 0)                 # window of steps start+1 .. end
        window = dict(cache)
        window.update(xs=xs3[start:end], a=cache["a"][start:end], hs=cache["hs"][start:end + 1])
        dz = np.zeros((end - start, B, cache["W_out"].shape[0]))
        z_win = cache["hs"][start + 1:end + 1] @ cache["W_out"].T
        first_loss = end - k1 - start            # only the last k1 steps carry a loss
        dz[first_loss:] = (z_win[first_loss:] - ys3[end - k1:end]) / B
        grads, _ = _backward(window, dz)
        updates.append(grads)
    return updates


def tbptt_k1k2_torch(model, xs: torch.Tensor, ys: torch.Tensor, k1: int, k2: int,
                     optimizer: torch.optim.Optimizer | None = None):
    """BPTT(k1, k2) with PyTorch's ``detach``, for a :class:`lecturelib.rnn.VanillaRNN`.

    The stream is run forward once; at every update time t (multiples of k1) the state
    ``h_{t-k2}`` is detached and the last k2 steps are recomputed from it, the loss of the last
    k1 steps is back-propagated, and, if ``optimizer`` is given, a step is taken (the stream
    then continues with the updated weights). Losses as :func:`mse_loss` (sum over steps, mean
    over the batch, factor 1/2).

    Returns:
        A list with one dict name -> gradient (numpy) per update.
    """
    check_positive_ints(k1=k1, k2=k2)
    if k2 < k1:
        raise ValueError(f"k1, k2: expected 1 <= k1 <= k2, got k1={k1}, k2={k2}")
    T, B = _check_torch_sequences(model, xs, ys, "every")
    states = [xs.new_zeros(B, model.W_rec.shape[0])]       # h_0 .. h_t, all detached
    updates = []
    step = model.step                                      # h_t = f(W_rec h_{t-1} + W_in x_t + b)

    for end in range(k1, T + 1, k1):
        with torch.no_grad():                  # advance the stream to `end` with current weights
            for t in range(len(states) - 1, end):
                states.append(step(states[-1], xs[t]))
        start = max(end - k2, 0)
        h = states[start].detach()             # the truncation: no gradient flows past here
        loss = xs.new_zeros(())
        for t in range(start, end):
            h = step(h, xs[t])
            if t >= end - k1:
                loss = loss + ((h @ model.W_out.T - ys[t]) ** 2).sum() / (2 * B)
        if optimizer is not None:
            optimizer.zero_grad()
        else:
            for p in model.parameters():
                p.grad = None
        loss.backward()
        updates.append({name: p.grad.detach().numpy().copy() for name, p in model.named_parameters()})
        if optimizer is not None:
            optimizer.step()
            del states[start + 1:]             # recompute the rest of the stream with new weights
            with torch.no_grad():
                for t in range(start, end):
                    states.append(step(states[-1], xs[t]))
    return updates


def _check_torch_sequences(model, xs, ys, loss):
    """(T, B) of time-major tensors ``xs`` (T, B, n_in) and ``ys`` ((T, B, n_out), or (B, n_out) for "last")
    for a :class:`~lecturelib.rnn.VanillaRNN` ``model``, in the dtype of its parameters."""
    if not isinstance(model, VanillaRNN):   # the truncation re-runs the vanilla step h_t = f(W_rec h_{t-1} + ...)
        raise TypeError(f"model: expected a lecturelib.rnn.VanillaRNN (or a subclass), got {type(model).__name__}")
    dtype = model.W_in.dtype
    for name, v in (("xs", xs), ("ys", ys)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"{name}: expected a torch tensor, got {type(v).__name__}")
        if v.is_complex() or not v.is_floating_point():
            raise TypeError(f"{name}: expected a real floating-point tensor, got dtype {v.dtype}")
        if v.dtype != dtype:
            raise TypeError(f"{name}: expected dtype {dtype}, the model's parameters' type, got {v.dtype} "
                            f"(convert the data with .to({dtype}) or the model with .to({v.dtype}))")
    n_in, n_out = model.W_in.shape[1], model.W_out.shape[0]
    if xs.dim() != 3 or xs.shape[2] != n_in or xs.shape[0] < 1:
        raise ValueError(f"xs: expected shape (T, B, n_in={n_in}) with T >= 1, got {tuple(xs.shape)}")
    T, B = xs.shape[:2]
    want = (T, B, n_out) if loss == "every" else (B, n_out)
    if tuple(ys.shape) != want:
        raise ValueError(f"ys: expected shape {want} (loss={loss!r}), got {tuple(ys.shape)}")
    return T, B


def truncated_loss_torch(model, xs: torch.Tensor, ys: torch.Tensor, p: int, loss: str = "every") -> torch.Tensor:
    """The lecture's truncation in PyTorch: a loss whose gradient reaches back only ``p`` steps
    from each L_s. Every loss step s is recomputed from the detached state ``h_{s-p}`` (all windows
    in one batch), so backward gives exactly :func:`truncated_grads`; its value equals the full loss.

    Args:
        model: a VanillaRNN. xs: (T, B, m). ys: (T, B, k) for "every", (B, k) for "last".
    """
    check_choice("loss", loss, ("every", "last"))
    check_positive_ints(p=p)
    T, B = _check_torch_sequences(model, xs, ys, loss)
    n = model.W_rec.shape[0]
    with torch.no_grad():                      # the constants h_0 .. h_T
        h = xs.new_zeros(B, n)
        states = [h]
        for t in range(T):
            h = model.step(h, xs[t])
            states.append(h)
    ends = list(range(1, T + 1)) if loss == "every" else [T]
    total = xs.new_zeros(())
    # group the windows by their length (shorter only at the start), batch each group
    for length in sorted({min(p, s) for s in ends}):
        group = [s for s in ends if min(p, s) == length]
        h = torch.cat([states[s - length] for s in group]).detach()
        for j in range(length):
            x = torch.cat([xs[s - length + j] for s in group])
            h = model.step(h, x)
        z = h @ model.W_out.T
        y = torch.cat([ys[s - 1] for s in group]) if loss == "every" else ys
        total = total + ((z - y) ** 2).sum() / (2 * B)
    return total


def plot_contributions(ax, C, title: str = "", vmin: float = -4.0):
    """Heat map of ``log10 ||C[s, t]||`` from :func:`wrec_contributions`: rows are losses L_s,
    columns the step t at which W_rec acted; terms that do not exist (t > s, or no loss at s)
    are grey. Returns the image (for a colour bar)."""
    C = np.asarray(C, dtype=float)
    if C.ndim != 4 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C: expected shape (T, T, n, n) from wrec_contributions, got {C.shape}")
    norms = np.linalg.norm(C, axis=(2, 3))
    norms[norms == 0] = np.nan
    cmap = matplotlib.colormaps["magma"].with_extremes(bad="#eeeeee")
    with np.errstate(divide="ignore"):
        im = ax.imshow(np.log10(norms), cmap=cmap, vmin=vmin, vmax=0, origin="upper")
    T = len(norms)
    ax.set_xticks(range(0, T, 2), range(1, T + 1, 2))
    ax.set_yticks(range(0, T, 2), range(1, T + 1, 2))
    ax.set_xlabel("step $t$ where $W_{rec}$ acted")
    ax.set_ylabel("loss $L_s$")
    ax.set_title(title, fontsize=10)
    return im
