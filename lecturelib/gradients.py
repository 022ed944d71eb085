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

Chapter 3's training experiments (the adding problem for each recipe, the delayed echo under
truncated BPTT) live with the other training recipes in :mod:`lecturelib.recipes`; their names
stay importable from here.
"""
from __future__ import annotations

import numpy as np
import torch

from ._validate import (as_array, check_choice, check_elements, check_int_range, check_positive_number,
                        check_seed, check_shape)
from .bptt import DERIVATIVE, FORWARD, bptt
from .recurrent import backward_step, derivative_from_state, input_part, rnn_step_from_input_part
from .training import smooth  # noqa: F401  (chapter 3 imports smooth from here)

#: Chapter 3's experiments, kept importable from here (see :func:`__getattr__`).
_EXPERIMENTS = ("LastStepRNN", "ADDING_RECIPES", "train_adding", "train_echo_truncated")


def __getattr__(name):
    if name in _EXPERIMENTS:
        from . import recipes  # breaks a cycle: recipes imports this module for clipping and Ω

        return getattr(recipes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# ------------------------------------------------------------------- clipping


def global_norm(grads) -> float:
    """Euclidean norm of all entries of an array, or of a list/tuple/dict of arrays together."""
    arrays = _as_list(grads)
    return float(np.sqrt(sum(np.sum(g ** 2) for g in arrays)))


def _as_list(grads):
    """The entries of ``grads`` as float arrays, each checked under its own name (grads['W'], grads[0])."""
    if isinstance(grads, dict):
        return [as_array(f"grads[{k!r}]", v).astype(float) for k, v in grads.items()]
    if isinstance(grads, (list, tuple)):
        return [as_array(f"grads[{i}]", v).astype(float) for i, v in enumerate(grads)]
    return [as_array("grads", grads).astype(float)]


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
    if (isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, float, np.integer, np.floating))
            or not (np.isfinite(c) and c > 0)):
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
    ``torch.autograd.grad(loss, states)`` gives the total derivatives ``dL/dh_t``.
    (The same as ``model.run(xs, h0)[0]``.)"""
    return model.run(xs, h0)[0]


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
    back = (derivative_from_state(hs[1:], nonlinearity) * d_next) @ W_rec  # W_rec^T (f' ⊙ δ) as rows
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
    if W.size == 0 or not np.all(np.isfinite(W)):
        raise ValueError(f"W: expected a non-empty square matrix of finite numbers, got shape {W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W, rho: float) -> np.ndarray:
    """``W · rho / spectral_radius(W)``: the same eigenvectors, eigenvalues scaled to radius ``rho``
    (a positive number: a negative one would flip every eigenvalue's sign)."""
    check_positive_number(rho=rho)
    W = as_array("W", W, ndim=2)
    r = spectral_radius(W)
    if r == 0:
        raise ValueError("W: its spectral radius is 0 (nilpotent); it cannot be scaled to a radius")
    return W * (rho / r)


def identity_init(n: int) -> np.ndarray:
    """The IRNN's recurrent matrix (Le, Jaitly & Hinton 2015): ``W_rec = I`` (with ``b = 0``)."""
    _check_n(n)
    return np.eye(n)


def _check_n(n, seed=None):
    check_int_range("n", n, 1)
    check_elements("n", n * n, "an (n, n) matrix")
    check_seed(seed)


def talathi_vartak_init(n: int, seed=None) -> np.ndarray:
    """Talathi & Vartak (2016): ``A = R^T R / N`` with ``R ~ N(0, 1)`` (N × N), then
    ``W_rec = (A + I) / λ_max(A + I)``.

    ``A`` is symmetric positive semi-definite, so the eigenvalues of ``A + I`` lie in
    ``[1, λ_max]``, and those of ``W_rec`` in ``[1/λ_max, 1]``: the largest is exactly 1.
    """
    _check_n(n, seed)
    rng = np.random.default_rng(seed)
    R = rng.normal(size=(n, n))
    A = R.T @ R / n
    M = A + np.eye(n)
    return M / np.linalg.eigvalsh(M)[-1]


def talathi_as_printed(n: int, seed=None) -> np.ndarray:
    """The formula as the lecture notes print it, brackets lost: ``B / λ_max(B + I) + I`` with
    ``B = A A^T / N``. Every eigenvalue is ``1 + μ / λ_max ≥ 1`` (μ ≥ 0 those of B); for large N
    the largest approaches ``1 + 4/5 = 1.8`` (μ_max → 4). Shown only to be avoided."""
    _check_n(n, seed)
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    B = A @ A.T / n
    return B / np.linalg.eigvalsh(B + np.eye(n))[-1] + np.eye(n)


def default_rnn_init(n: int, seed=None) -> np.ndarray:
    """PyTorch's default recurrent matrix: uniform on ±1/sqrt(n) (spectral radius ≈ 1/sqrt(3))."""
    _check_n(n, seed)
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
    check_choice("nonlinearity", nonlinearity, FORWARD)
    W = as_array("W_rec", W_rec, ndim=2)
    n = W.shape[0]
    check_shape("W_rec", W, (n, n), "(n_hidden, n_hidden)")
    check_int_range("T", T, 1, MAX_CLIFF_STEPS)
    check_int_range("n_in", n_in, 1)
    check_elements("n_in", (T + n) * n_in, "the inputs and W_in")
    check_seed(seed)
    if isinstance(input_scale, bool) or not isinstance(input_scale, (int, float, np.integer, np.floating)) \
            or not np.isfinite(input_scale):
        raise ValueError(f"input_scale: expected a finite number, got {input_scale!r}")
    rng = np.random.default_rng(seed)
    W_in = rng.normal(size=(n, n_in)) / np.sqrt(n_in)
    xs = rng.normal(size=(T, n_in)) * input_scale
    f, fprime = FORWARD[nonlinearity], DERIVATIVE[nonlinearity]
    h = rng.normal(size=n) if nonlinearity == "linear" else np.zeros(n)
    pre = []
    for t in range(T):
        a, h = rnn_step_from_input_part(h, input_part(xs[t], W_in, 0.0), W, f)  # no bias
        pre.append(a)
    g = rng.normal(size=n)
    g /= np.linalg.norm(g)
    norms = [1.0]
    for t in range(T - 1, -1, -1):
        _, g = backward_step(g, pre[t], W, fprime)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


def backprop_norms_at_radius(rho: float, T: int = 60, n: int = 32, nonlinearity: str = "linear",
                             seed: int = 0) -> np.ndarray:
    """:func:`backprop_norms` for a default random W_rec scaled to spectral radius ``rho``."""
    return backprop_norms(scale_to_spectral_radius(default_rnn_init(n, seed), rho), T, nonlinearity, seed=seed)


def plot_backprop_norms(fig, rho: float = 1.0, T: int = 60, n: int = 32, seed: int = 0):
    """Explorer panel: ``||dL_T/dh_t||`` against ``T - t`` (log scale) for the linear and the ReLU
    RNN whose W_rec is a random matrix of spectral radius ``rho``, with the line ``rho^(T-t)``."""
    ax = fig.add_subplot(111)
    k = np.arange(T + 1)
    for nl, style in (("linear", "-"), ("relu", "--"), ("tanh", ":")):
        ax.semilogy(k, backprop_norms_at_radius(rho, T, n, nl, seed), style, lw=2, label=f"{nl} RNN")
    ax.semilogy(k, float(rho) ** k, color="grey", lw=1, label=r"$\rho^{T-t}$")
    ax.set_ylim(1e-15, 1e15)
    ax.set_xlabel("steps back in time, $T - t$")
    ax.set_ylabel(r"$\|\partial L_T / \partial h_t\|$")
    fig.suptitle(f"spectral radius of $W_{{rec}}$: {rho:.2f}", fontsize=10)
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()


def plot_spectra(axes, matrices: dict):
    """Eigenvalues of each matrix in the complex plane, one axis per matrix, with the unit circle."""
    theta = np.linspace(0, 2 * np.pi, 200)
    for ax, (name, W) in zip(np.ravel(axes), matrices.items()):
        ev = np.linalg.eigvals(as_array(name, W, ndim=2))
        ax.plot(np.cos(theta), np.sin(theta), color="grey", lw=0.8)
        ax.scatter(ev.real, ev.imag, s=8, color="C3")
        ax.set_title(f"{name}\nradius {np.max(np.abs(ev)):.3f}", fontsize=9)
        lim = max(1.25, np.max(np.abs(ev)) * 1.1)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel("Re λ")
        ax.axhline(0, color="grey", lw=0.4)
        ax.axvline(0, color="grey", lw=0.4)
    np.ravel(axes)[0].set_ylabel("Im λ")


# --------------------------------------------------------------- the cliff

#: The one-unit RNN of the cliff figure: h_t = tanh(w h_{t-1} + b), h_0 = 0.5, loss ½(h_T - 0.7)².
CLIFF = dict(T=10, h0=0.5, target=0.7)
MAX_CLIFF_STEPS = 100_000


def cliff_loss(w, b, T: int = CLIFF["T"], h0: float = CLIFF["h0"], target: float = CLIFF["target"]):
    """The loss ``½ (h_T - target)²`` of the one-unit RNN ``h_t = tanh(w h_{t-1} + b)`` (no input),
    for arrays of ``w`` and ``b`` (broadcast together): the surface of the cliff figure.
    ``T`` is at most ``MAX_CLIFF_STEPS`` (one pass over the whole grid per step)."""
    check_int_range("T", T, 1, MAX_CLIFF_STEPS)
    w, b = np.broadcast_arrays(as_array("w", w), as_array("b", b))
    h = np.full(w.shape, float(h0))
    for _ in range(T):
        h = np.tanh(w * h + b)
    return 0.5 * (h - target) ** 2


def cliff_loss_and_grad(w: float, b: float, T: int = CLIFF["T"], h0: float = CLIFF["h0"],
                        target: float = CLIFF["target"]):
    """Loss and gradient (dL/dw, dL/db) of the one-unit RNN, by this book's BPTT."""
    check_int_range("T", T, 1, MAX_CLIFF_STEPS)
    L, g = bptt(np.zeros((T, 1)), np.array([target]), [[0.0]], [[w]], [b], [[1.0]], h0=[h0],
                nonlinearity="tanh", loss="last")
    return L, np.array([g["W_rec"][0, 0], g["b"][0]])


def descend(start, lr: float, steps: int, clip: float | None = None, **cliff):
    """Plain gradient descent on the cliff, optionally with norm clipping at ``clip``.

    Returns:
        ``(path, losses, norms)``: parameters (steps + 1, 2) as (w, b), the loss before each step,
        and the gradient norm before clipping.
    """
    p = np.array(start, dtype=float)
    path, losses, norms = [p.copy()], [], []
    for _ in range(steps):
        L, g = cliff_loss_and_grad(p[0], p[1], **cliff)
        losses.append(L)
        norms.append(float(np.linalg.norm(g)))
        if clip is not None:
            g = clip_by_norm(g, clip)
        p = p - lr * g
        path.append(p.copy())
    return np.array(path), np.array(losses), np.array(norms)


def plot_cliff(ax, starts=((2.5, -0.3), (1.8, 0.0)), lr: float = 0.5, steps: int = 40, clip: float = 0.5,
               extent=(0.0, 4.0, -2.0, 3.0)):
    """The loss surface of the one-unit RNN (log scale) with gradient-descent paths from
    ``starts``, without clipping (red) and with clipping at ``clip`` (white)."""
    w0, w1, b0, b1 = extent
    W, B = np.meshgrid(np.linspace(w0, w1, 300), np.linspace(b0, b1, 300))
    cs = ax.contourf(W, B, np.log10(cliff_loss(W, B) + 1e-8), levels=30, cmap="viridis")
    for i, start in enumerate(starts):
        for c, colour, name in ((None, "#ff3030", "no clipping"), (clip, "white", f"clipped at c = {clip}")):
            path, _, _ = descend(start, lr, steps, c)
            ax.plot(path[:, 0], path[:, 1], ".-", color=colour, lw=1.2, ms=3,
                    label=name if i == 0 else None)
        ax.plot(*start, "o", color="orange", ms=6, mec="black", label="start" if i == 0 else None)
    ax.set_xlim(w0, w1)
    ax.set_ylim(b0, b1)
    ax.set_xlabel("recurrent weight $w$")
    ax.set_ylabel("bias $b$")
    ax.legend(loc="upper left", fontsize=9, framealpha=0.8)
    return cs
