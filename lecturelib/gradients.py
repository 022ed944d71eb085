"""Vanishing and exploding gradients, measured, and the remedies the lecture names.

* Measurement: :func:`backprop_norms` gives ``||dL_T/dh_t||`` against ``T - t``; the
  eigenvalue argument ``(W_rec^T)^Δt = U Λ^Δt U^{-1}`` predicts it exactly for a linear RNN.
* Gradient-norm clipping: ``g <- c g / ||g||`` when ``||g|| >= c`` (:func:`clip_by_norm`
  in numpy, :func:`clip_grad_norm` in PyTorch).
* Pascanu, Mikolov & Bengio's regularizer (2013)::

      Ω = Σ_t ( ||(∂h_{t+1}/∂h_t)^T ∂L/∂h_{t+1}|| / ||∂L/∂h_{t+1}|| - 1 )²

  in PyTorch (:func:`pascanu_omega`), with ``∂L/∂h_{t+1}`` held constant as in the paper.
* Initializations: identity (IRNN, Le, Jaitly & Hinton 2015), Talathi & Vartak (2016),
  and scaling a matrix to a chosen spectral radius.
* The exploding-gradient "cliff" of a one-unit RNN (:func:`cliff_loss`) and gradient
  descent on it with and without clipping (:func:`descend`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ._validate import as_array, check_choice, check_shape

# ------------------------------------------------------------------- clipping


def global_norm(grads) -> float:
    """Euclidean norm of all entries of an array, or of a list/tuple/dict of arrays together."""
    arrays = _as_list(grads)
    return float(np.sqrt(sum(np.sum(np.asarray(g, dtype=float) ** 2) for g in arrays)))


def _as_list(grads):
    if isinstance(grads, dict):
        return list(grads.values())
    if isinstance(grads, (list, tuple)):
        return list(grads)
    return [grads]


def clip_by_norm(grads, c: float):
    """Gradient-norm clipping (the lecture's rule), in numpy.

    If ``||g|| >= c`` then ``g <- (c / ||g||) g``, else ``g`` is unchanged; ``||g||`` is the norm of
    all entries together (one scale for every parameter, so the direction is kept).

    Args:
        grads: an array, or a list, tuple or dict of arrays (all parameters' gradients).
        c: the threshold, positive.

    Returns:
        Clipped copies, in the same container as ``grads``.
    """
    if not (isinstance(c, (int, float, np.integer, np.floating)) and c > 0):
        raise ValueError(f"c: expected a positive threshold, got {c!r}")
    norm = global_norm(grads)
    scale = c / norm if norm >= c else 1.0
    if isinstance(grads, dict):
        return {k: np.asarray(v, dtype=float) * scale for k, v in grads.items()}
    if isinstance(grads, (list, tuple)):
        return type(grads)(np.asarray(v, dtype=float) * scale for v in grads)
    return as_array("grads", grads) * scale


def clip_grad_norm(parameters, c: float) -> float:
    """Clip the ``.grad`` of PyTorch parameters in place by their total norm; return the norm
    before clipping. The same rule as :func:`clip_by_norm` (and as ``torch.nn.utils.clip_grad_norm_``)."""
    if not c > 0:
        raise ValueError(f"c: expected a positive threshold, got {c!r}")
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    norm = torch.sqrt(sum((g.detach() ** 2).sum() for g in grads))
    if norm >= c:
        for g in grads:
            g.mul_(c / norm)
    return float(norm)


# ------------------------------------------------------ Pascanu's regularizer


def rnn_states(model, xs: torch.Tensor, h0: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Run a :class:`lecturelib.rnn.VanillaRNN` (time-major ``xs`` (T, B, m)) and return the list of
    its states ``[h_1, ..., h_T]``, each (B, n), kept as separate tensors of one graph, so that
    ``torch.autograd.grad(loss, states)`` gives the total derivatives ``dL/dh_t``."""
    if xs.dim() != 3 or xs.shape[-1] != model.W_in.shape[1]:
        raise ValueError(f"xs: expected shape (T, B, n_in={model.W_in.shape[1]}), got {tuple(xs.shape)}")
    f = torch.relu if model.nonlinearity == "relu" else torch.tanh
    h = xs.new_zeros(xs.shape[1], model.W_rec.shape[0]) if h0 is None else h0
    pre_in = xs @ model.W_in.T + model.b
    states = []
    for p in pre_in.unbind(0):
        h = f(h @ model.W_rec.T + p)
        states.append(h)
    return states


def _derivative_from_state(h: torch.Tensor, nonlinearity: str) -> torch.Tensor:
    """f'(a) written with h = f(a): 1[h > 0] for relu, 1 - h² for tanh."""
    if nonlinearity == "relu":
        return (h > 0).to(h.dtype)
    return 1 - h ** 2


def pascanu_omega(hs, deltas, W_rec: torch.Tensor, nonlinearity: str = "relu", eps: float = 1e-12,
                  return_ratios: bool = False):
    """Pascanu's regularizer for the vanilla RNN ``h_{t+1} = f(W_rec h_t + W_in x_{t+1} + b)``.

    With ``δ_{t+1} = ∂L/∂h_{t+1}`` (held constant) the back-propagated vector is
    ``(∂h_{t+1}/∂h_t)^T δ_{t+1} = W_rec^T (f'(a_{t+1}) ⊙ δ_{t+1})``, and::

        Ω = Σ_{t=1}^{T-1} mean_batch ( ||W_rec^T (f'(a_{t+1}) ⊙ δ_{t+1})|| / ||δ_{t+1}|| - 1 )²

    Args:
        hs: the states h_1..h_T, a (T, B, n) tensor or a list of (B, n) tensors.
        deltas: ∂L/∂h_1..∂L/∂h_T, same shape (detached here). Rows with ``||δ|| < eps``
            (no gradient reaches them) count as ratio 1, i.e. contribute nothing.
        W_rec: (n, n), the parameter Ω is differentiated with respect to.
        nonlinearity: "relu" or "tanh".
        return_ratios: also return the norm ratios, (T-1, B), detached.

    Returns:
        Ω, a scalar tensor (with ``return_ratios``: ``(Ω, ratios)``).
    """
    check_choice("nonlinearity", nonlinearity, ("relu", "tanh"))
    hs = torch.stack(list(hs)) if isinstance(hs, (list, tuple)) else hs
    deltas = torch.stack(list(deltas)) if isinstance(deltas, (list, tuple)) else deltas
    if hs.dim() != 3 or hs.shape[-1] != W_rec.shape[0]:
        raise ValueError(f"hs: expected shape (T, B, n_hidden={W_rec.shape[0]}), got {tuple(hs.shape)}")
    if deltas.shape != hs.shape:
        raise ValueError(f"deltas: expected shape {tuple(hs.shape)} (the shape of hs), got {tuple(deltas.shape)}")
    d_next = deltas[1:].detach()                                             # δ_{t+1}, (T-1, B, n)
    back = (_derivative_from_state(hs[1:], nonlinearity) * d_next) @ W_rec  # W_rec^T (f' ⊙ δ) as rows
    d_norm = d_next.norm(dim=-1)
    alive = d_norm > eps
    ratio = back.norm(dim=-1) / torch.where(alive, d_norm, torch.ones_like(d_norm))
    ratio = torch.where(alive, ratio, torch.ones_like(ratio))
    omega = ((ratio - 1) ** 2).mean(dim=1).sum()
    if return_ratios:
        return omega, ratio.detach()
    return omega


def omega_for_loss(model, states: list[torch.Tensor], loss: torch.Tensor, return_ratios: bool = False):
    """Ω of a :class:`~lecturelib.rnn.VanillaRNN` for ``loss``, from the states of :func:`rnn_states`.
    Computes ``δ_t = dL/dh_t`` with autograd (keeping the graph for the later backward pass)."""
    deltas = torch.autograd.grad(loss, states, retain_graph=True)
    return pascanu_omega(states, deltas, model.W_rec, model.nonlinearity, return_ratios=return_ratios)


# ------------------------------------------------------------ initializations


def spectral_radius(W) -> float:
    """The largest absolute value of the eigenvalues of a square matrix."""
    W = as_array("W", W, ndim=2)
    check_shape("W", W, (W.shape[0], W.shape[0]), "(n, n): a square matrix")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W, rho: float) -> np.ndarray:
    """``W · rho / spectral_radius(W)``: the same eigenvectors, eigenvalues scaled to radius ``rho``."""
    W = as_array("W", W, ndim=2)
    r = spectral_radius(W)
    if r == 0:
        raise ValueError("W: its spectral radius is 0 (nilpotent); it cannot be scaled to a radius")
    return W * (rho / r)


def identity_init(n: int) -> np.ndarray:
    """The IRNN's recurrent matrix (Le, Jaitly & Hinton 2015): ``W_rec = I`` (with ``b = 0``)."""
    return np.eye(n)


def talathi_vartak_init(n: int, seed=None) -> np.ndarray:
    """Talathi & Vartak (2016): ``A = R^T R / N`` with ``R ~ N(0, 1)`` (N × N), then
    ``W_rec = (A + I) / λ_max(A + I)``.

    ``A`` is symmetric positive semi-definite, so the eigenvalues of ``A + I`` lie in
    ``[1, λ_max]``, and those of ``W_rec`` in ``[1/λ_max, 1]``: the largest is exactly 1.
    """
    rng = np.random.default_rng(seed)
    R = rng.normal(size=(n, n))
    A = R.T @ R / n
    M = A + np.eye(n)
    return M / np.linalg.eigvalsh(M)[-1]


def talathi_as_printed(n: int, seed=None) -> np.ndarray:
    """The formula as the lecture notes print it, brackets lost: ``B / λ_max(B + I) + I`` with
    ``B = A A^T / N``. Every eigenvalue is ``1 + μ / λ_max ≥ 1`` (μ ≥ 0 those of B); for large N
    the largest approaches ``1 + 4/5 = 1.8`` (μ_max → 4). Shown only to be avoided."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    B = A @ A.T / n
    return B / np.linalg.eigvalsh(B + np.eye(n))[-1] + np.eye(n)


def default_rnn_init(n: int, seed=None) -> np.ndarray:
    """PyTorch's default recurrent matrix: uniform on ±1/sqrt(n) (spectral radius ≈ 1/sqrt(3))."""
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(n)
    return rng.uniform(-s, s, (n, n))


def init_recurrent(model, kind: str, seed: int = 0) -> None:
    """Set a VanillaRNN's (or ``torch.nn.RNN``'s) recurrent matrix in place:
    ``"identity"`` (and zero biases, the IRNN), ``"talathi"``, or ``"default"`` (leave as is)."""
    check_choice("kind", kind, ("identity", "talathi", "default"))
    W = getattr(model, "W_rec", None)
    if W is None:
        W = model.weight_hh_l0
    n = W.shape[0]
    with torch.no_grad():
        if kind == "identity":
            W.copy_(torch.as_tensor(identity_init(n)))
            for name, p in model.named_parameters():
                if name in ("b", "bias_ih_l0", "bias_hh_l0"):
                    p.zero_()
        elif kind == "talathi":
            W.copy_(torch.as_tensor(talathi_vartak_init(n, seed)))


# ----------------------------------------------- measuring the backward flow


def backprop_norms(W_rec, T: int, nonlinearity: str = "linear", n_in: int = 1, seed: int = 0,
                   input_scale: float = 1.0) -> np.ndarray:
    """``||dL_T/dh_t||`` for t = T, T-1, ..., 0, for a loss on the last step only.

    A random input sequence (T steps, standard normal, times ``input_scale``) drives the RNN
    ``h_t = f(W_rec h_{t-1} + W_in x_t)`` from ``h_0 = 0`` (``h_0`` = a random state for the linear
    RNN, whose value does not matter); the gradient ``dL_T/dh_T`` is a fixed unit vector and is
    back-propagated by the lecture's recursion ``dL/dh_{t-1} = W_rec^T (f'(a_t) ⊙ dL/dh_t)``.

    Args:
        W_rec: (n, n). nonlinearity: "linear" (f = identity; then the norms are exactly
            ``||(W_rec^T)^{T-t} u||``), "relu" or "tanh".

    Returns:
        ``norms``, (T + 1,): ``norms[k] = ||dL_T/dh_{T-k}||``, so the index is ``T - t``.
    """
    from .bptt import FORWARD, DERIVATIVE  # noqa: F401 (shared definitions)

    check_choice("nonlinearity", nonlinearity, FORWARD)
    W = as_array("W_rec", W_rec, ndim=2)
    n = W.shape[0]
    check_shape("W_rec", W, (n, n), "(n_hidden, n_hidden)")
    rng = np.random.default_rng(seed)
    W_in = rng.normal(size=(n, n_in)) / np.sqrt(n_in)
    xs = rng.normal(size=(T, n_in)) * input_scale
    f, fprime = FORWARD[nonlinearity], DERIVATIVE[nonlinearity]
    h = rng.normal(size=n) if nonlinearity == "linear" else np.zeros(n)
    pre = []
    for t in range(T):
        a = W @ h + W_in @ xs[t]
        pre.append(a)
        h = f(a)
    g = rng.normal(size=n)
    g /= np.linalg.norm(g)
    norms = [1.0]
    for t in range(T - 1, -1, -1):
        g = W.T @ (fprime(pre[t]) * g)
        norms.append(np.linalg.norm(g))
    return np.array(norms)
