"""Second-order training made concrete: Hessian-vector products, conjugate gradient, a
Hessian-free step (Martens 2010; Martens & Sutskever 2011), and L-BFGS, next to Adam.

A Newton step solves ``H d = -g`` for the step d, with H the Hessian of the loss. For a network
H has (#params)² entries and is never formed: conjugate gradient (CG) needs only products ``H v``,
and autograd gives those exactly at the cost of about two gradients (Pearlmutter 1994)::

    H v = d/dθ (g(θ) · v)          (differentiate the gradient's projection on v)

Hessian-free optimization then takes, at every outer step,

1. the gradient g and a damped system ``(H + λ I) d = -g``, solved approximately by a few CG
   iterations, stopping early if CG meets negative curvature (``p^T (H + λ I) p <= 0``);
2. the step θ ← θ + d, accepted if the loss went down (else λ grows and the step is retried);
3. the Levenberg-Marquardt rule for λ: compare the actual reduction with the one predicted by the
   quadratic model, ``ρ = (L(θ + d) - L(θ)) / (g·d + ½ d·(H + λ I) d)``; ρ > 3/4 → λ ← 2λ/3,
   ρ < 1/4 → λ ← 3λ/2.

Martens uses the Gauss-Newton matrix in place of H (it is never indefinite); we keep the plain
Hessian with damping, which is the shorter code and works on the small problems of chapter 6.
L-BFGS (``torch.optim.LBFGS``) builds a curvature estimate from the last few gradient differences
instead. These methods want the same batch for every evaluation (full batch or large fixed batches).
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
import torch

from ._validate import check_positive_ints, check_positive_number
from .training import TrainingLog


# ------------------------------------------------------------ flat parameters

def _params(model_or_params):
    if isinstance(model_or_params, torch.nn.Module):
        return [p for p in model_or_params.parameters() if p.requires_grad]
    return list(model_or_params)


def flat_grad(loss: torch.Tensor, params, create_graph: bool = False, retain_graph: bool | None = None) -> torch.Tensor:
    """The gradient of ``loss`` with respect to ``params`` as one flat vector."""
    grads = torch.autograd.grad(loss, params, create_graph=create_graph, retain_graph=retain_graph,
                                allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, params)])


def add_to_params(params, vector: torch.Tensor, scale: float = 1.0) -> None:
    """θ ← θ + scale · vector, with ``vector`` flat (in the order of ``params``)."""
    with torch.no_grad():
        offset = 0
        for p in params:
            k = p.numel()
            p.add_(vector[offset:offset + k].view_as(p), alpha=scale)
            offset += k


def hessian_vector_product(loss_fn: Callable[[], torch.Tensor], params, v: torch.Tensor) -> torch.Tensor:
    """``H v`` for the Hessian H of ``loss_fn()`` with respect to ``params`` (flat v, flat result).

    Exact (no finite differences): differentiate ``g · v`` once more, g computed with ``create_graph``.
    """
    params = _params(params)
    _check_flat("v", v, params)
    g = flat_grad(loss_fn(), params, create_graph=True)
    return flat_grad(g @ v.detach(), params)


def gauss_newton_vector_product(outputs_fn: Callable[[], torch.Tensor], output_loss: Callable, params,
                                v: torch.Tensor) -> torch.Tensor:
    """``G v = J^T H_L J v``: the Gauss-Newton matrix of ``output_loss(outputs_fn())`` times v.

    J is the Jacobian of the outputs z with respect to ``params`` and H_L the Hessian of the loss
    with respect to z (positive semi-definite for the squared error and the cross-entropy), so G is
    never indefinite, unlike H. ``J v`` comes from the double-backward trick: differentiate
    ``J^T u`` (a function of a dummy u) with respect to u, in the direction v.
    """
    params = _params(params)
    _check_flat("v", v, params)
    z = outputs_fn()
    return _gn_product(z, output_loss, params)(v)


def _check_flat(name, v, params):
    """Raise unless ``v`` is a flat real tensor with one entry per parameter."""
    n = sum(p.numel() for p in params)
    if not isinstance(v, torch.Tensor):
        raise TypeError(f"{name}: expected a torch tensor of {n} entries (all parameters), got {type(v).__name__}")
    if v.dim() != 1 or v.numel() != n:
        raise ValueError(f"{name}: expected a flat vector of {n} entries (all parameters), got shape {tuple(v.shape)}")
    if v.is_complex() or not v.is_floating_point():
        raise TypeError(f"{name}: expected a real floating-point vector, got dtype {v.dtype}")


def _gn_product(z, output_loss, params):
    u = torch.zeros_like(z, requires_grad=True)
    Jt_u = torch.autograd.grad(z, params, grad_outputs=u, create_graph=True)
    zd = z.detach().requires_grad_(True)
    dL_dz = torch.autograd.grad(output_loss(zd), zd, create_graph=True)[0]

    def product(v):
        vs = _unflatten(v.detach(), params)
        Jv = torch.autograd.grad(Jt_u, u, grad_outputs=vs, retain_graph=True)[0]
        HJv = torch.autograd.grad(dL_dz, zd, grad_outputs=Jv, retain_graph=True)[0]
        return torch.cat([g.reshape(-1) for g in torch.autograd.grad(z, params, grad_outputs=HJv,
                                                                      retain_graph=True)])
    return product


def _unflatten(vector, params):
    out, offset = [], 0
    for p in params:
        out.append(vector[offset:offset + p.numel()].view_as(p))
        offset += p.numel()
    return out


# ------------------------------------------------------------ conjugate gradient

def conjugate_gradient(matvec: Callable, b, iters: int = 50, tol: float = 1e-10, x0=None):
    """Solve ``A x = b`` for symmetric A given only ``matvec(v) = A v`` (numpy arrays or torch tensors).

    Stops after ``iters`` iterations, when ``||r|| <= tol ||b||``, or on negative curvature
    (``p^T A p <= 0``, then the iterate so far is returned: it still decreases the quadratic model).

    Returns:
        ``(x, info)``, info a dict with ``iterations``, ``residual_norms`` (list, ||r|| before each
        iteration and at the end) and ``negative_curvature`` (bool).
    """
    if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
        raise ValueError(f"iters: expected a positive number of iterations, got {iters}")
    is_torch = isinstance(b, torch.Tensor)
    dot = (lambda a, c: float(a @ c)) if is_torch else (lambda a, c: float(np.dot(a, c)))
    if is_torch:
        x = torch.zeros_like(b) if x0 is None else x0.clone()
    else:
        b = np.asarray(b, dtype=float)
        x = np.zeros_like(b) if x0 is None else np.array(x0, dtype=float)
    r = b - matvec(x) if x0 is not None else b
    p = r
    rr = dot(r, r)
    b_norm = np.sqrt(dot(b, b))
    info = {"iterations": 0, "residual_norms": [np.sqrt(rr)], "negative_curvature": False}
    for _ in range(iters):
        if np.sqrt(rr) <= tol * b_norm:
            break
        Ap = matvec(p)
        pAp = dot(p, Ap)
        if pAp <= 0:
            info["negative_curvature"] = True
            break
        alpha = rr / pAp
        x = x + alpha * p
        r = r - alpha * Ap
        rr_new = dot(r, r)
        p = r + (rr_new / rr) * p
        rr = rr_new
        info["iterations"] += 1
        info["residual_norms"].append(np.sqrt(rr))
    return x, info


# ------------------------------------------------------------ Hessian-free

def hessian_free_step(outputs_fn: Callable[[], torch.Tensor], output_loss: Callable, params,
                      damping: float = 1.0, cg_iters: int = 20, curvature: str = "gauss-newton",
                      max_tries: int = 10) -> dict:
    """One outer step of Hessian-free optimization on ``output_loss(outputs_fn())``
    (see the module docstring).

    Args:
        outputs_fn: ``() -> z``, the network's outputs on the fixed batch (a graph to ``params``).
        output_loss: ``z -> scalar``, the loss as a function of the outputs.
        curvature: ``"gauss-newton"`` (Martens' choice, never indefinite) or ``"hessian"``.

    Updates ``params`` in place. Returns a dict with ``loss`` (before), ``new_loss``, ``damping``
    (the value for the next step), ``cg_iterations``, ``rho`` and ``evaluations`` (a gradient or a
    loss counts 1, a curvature-vector product 2).
    """
    if curvature not in ("gauss-newton", "hessian"):
        raise ValueError(f"curvature: expected 'gauss-newton' or 'hessian', got {curvature!r}")
    params = _params(params)
    check_positive_number(damping=damping)
    check_positive_ints(cg_iters=cg_iters, max_tries=max_tries)
    evaluations = 0
    for _ in range(max_tries):
        # A fresh graph for every try: a rejected step changed the parameters in place.
        z = outputs_fn()
        loss = output_loss(z)
        g = flat_grad(loss, params, create_graph=curvature == "hessian", retain_graph=True)
        gd, loss0 = g.detach(), float(loss.detach())
        evaluations += 1
        if curvature == "gauss-newton":
            product = _gn_product(z, output_loss, params)
        else:
            def product(v):
                return torch.cat([h.reshape(-1) for h in torch.autograd.grad(g @ v, params, retain_graph=True)])
        damping_now = damping

        def matvec(v):
            nonlocal evaluations
            evaluations += 2
            return product(v).detach() + damping_now * v

        d, info = conjugate_gradient(matvec, -gd, iters=cg_iters)
        predicted = float(gd @ d) + 0.5 * float(d @ matvec(d))  # the quadratic model's change (< 0)
        add_to_params(params, d)
        with torch.no_grad():
            new_loss = float(output_loss(outputs_fn()))
        evaluations += 1
        rho = (new_loss - loss0) / predicted if predicted < 0 else -1.0
        if rho > 0.75:
            damping *= 2.0 / 3.0
        elif rho < 0.25:
            damping *= 1.5
        if new_loss < loss0:
            break
        add_to_params(params, d, scale=-1.0)  # reject the step; retry with more damping
        new_loss = loss0
        damping *= 2.0
    return {"loss": loss0, "new_loss": new_loss, "damping": damping, "cg_iterations": info["iterations"],
            "rho": rho, "evaluations": evaluations}


# ------------------------------------------------------------ training loops

def _log_step(log, loss, start, evaluations):
    log.loss.append(float(loss))
    log.seconds.append(time.perf_counter() - start)
    log.extra.setdefault("evaluations", []).append(evaluations)


def train_hessian_free(model: torch.nn.Module, outputs_fn: Callable[[torch.nn.Module], torch.Tensor],
                       output_loss: Callable, steps: int, damping: float = 1.0, cg_iters: int = 20,
                       curvature: str = "gauss-newton") -> TrainingLog:
    """``steps`` Hessian-free outer steps on the fixed objective ``output_loss(outputs_fn(model))``.
    The log holds the loss after each step, the wall time and the cumulative evaluations."""
    log, start, evaluations = TrainingLog(), time.perf_counter(), 0
    params = _params(model)
    for _ in range(steps):
        info = hessian_free_step(lambda: outputs_fn(model), output_loss, params, damping, cg_iters, curvature)
        damping, evaluations = info["damping"], evaluations + info["evaluations"]
        _log_step(log, info["new_loss"], start, evaluations)
        log.extra.setdefault("damping", []).append(damping)
    return log


def train_lbfgs(model: torch.nn.Module, loss_fn: Callable[[torch.nn.Module], torch.Tensor], steps: int,
                lr: float = 1.0, max_iter: int = 10, history_size: int = 20) -> TrainingLog:
    """``steps`` outer steps of ``torch.optim.LBFGS`` (strong-Wolfe line search) on ``loss_fn(model)``;
    each outer step makes up to ``max_iter`` iterations. The log counts evaluations (closure calls)."""
    opt = torch.optim.LBFGS(model.parameters(), lr=lr, max_iter=max_iter, history_size=history_size,
                            line_search_fn="strong_wolfe")
    log, start, calls = TrainingLog(), time.perf_counter(), [0]

    def closure():
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        calls[0] += 1
        return loss

    for _ in range(steps):
        opt.step(closure)
        with torch.no_grad():
            _log_step(log, loss_fn(model), start, calls[0])
    return log


def train_first_order(model: torch.nn.Module, loss_fn: Callable[[torch.nn.Module], torch.Tensor], steps: int,
                      lr: float = 1e-2, optimizer: str = "adam") -> TrainingLog:
    """``steps`` steps of Adam (or plain gradient descent, ``optimizer='sgd'``) on the same fixed
    objective, logged like the second-order loops (one gradient evaluation per step; the forward
    pass that logs the loss after each step is not counted, here or in the other loops)."""
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer: expected 'adam' or 'sgd', got {optimizer!r}")
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
    log, start = TrainingLog(), time.perf_counter()
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        opt.step()
        with torch.no_grad():
            _log_step(log, loss_fn(model), start, step + 1)
    return log


def plot_runs(axes, runs: dict, baseline: float | None = None, colours: dict | None = None):
    """Loss against evaluations (``axes[0]``) and against wall time (``axes[1]``) for the logs in
    ``runs`` (name -> TrainingLog from the loops above); a dashed line at ``baseline``."""
    for name, log in runs.items():
        colour = (colours or {}).get(name)
        marker = "." if len(log.loss) <= 50 else None
        axes[0].semilogy(log.extra["evaluations"], log.loss, color=colour, marker=marker, label=name)
        axes[1].semilogy(log.seconds, log.loss, color=colour, label=name)
    for ax, xlabel in zip(axes, ("evaluations (gradients, losses, curvature products)", "wall time (s)")):
        if baseline is not None:
            ax.axhline(baseline, color="black", ls="--", lw=1, label="memoryless baseline")
        ax.set(xlabel=xlabel, ylabel="training loss")
        ax.grid(alpha=0.3)
    # Above the top panel: inside it, any corner covers one of the curves.
    axes[0].legend(fontsize=9, ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.02))
    return axes
