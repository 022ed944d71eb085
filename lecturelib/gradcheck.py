"""Gradient checking by central differences, in float64.

A hand-written backward pass is trusted only after it agrees with the
derivative estimated from the forward pass alone. For a scalar function
``f`` and every entry ``x_i`` of its argument::

    df/dx_i ≈ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

The error of this central difference is O(eps²) (plus round-off of order
``machine_eps · |f| / eps``), so with float64 and ``eps = 1e-6`` an exact
gradient agrees to about 1e-8 in relative terms; a wrong one is off by O(1).

Typical use::

    errors = check_gradients(lambda p: loss(**p), params, grads)
    assert max(errors.values()) < 1e-6
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._validate import as_array


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    """Central-difference estimate of the gradient of a scalar function.

    Args:
        f: ``f(x) -> float``, a scalar function of an array.
        x: the point, any shape; it is copied to float64 and never modified.
        eps: the step; 1e-6 suits float64 functions of moderate size.

    Returns:
        An array of ``x``'s shape, entry i being ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.
    """
    x = np.array(as_array("x", x), dtype=np.float64, copy=True)
    if not eps > 0:
        raise ValueError(f"eps: expected a positive step, got {eps!r}")
    grad = np.empty_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views into x and grad
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        f_plus = float(f(x))
        flat[i] = keep - eps
        f_minus = float(f(x))
        flat[i] = keep
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b, floor: float = 1e-12) -> float:
    """``max|a - b| / max(max|a|, max|b|, floor)``: one number for the disagreement of two arrays.

    The maximum norm keeps one wrong entry from hiding among many right ones; the
    ``floor`` keeps the ratio finite when both arrays are (near) zero.
    """
    a = as_array("a", a)
    b = as_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} (the shape of a), got {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), floor)
    return float(np.max(np.abs(a - b)) / scale)


def check_gradients(f: Callable[[dict], float], params: dict, grads: dict, eps: float = 1e-6) -> dict:
    """Compare analytic gradients with central differences, one parameter at a time.

    Args:
        f: ``f(params) -> float``, the loss as a function of the whole dict of parameters.
        params: name -> array, the point at which to check.
        grads: name -> array, the analytic gradients to check (a subset of ``params``' names).

    Returns:
        name -> relative error (see :func:`relative_error`), for every name in ``grads``.
    """
    params = {k: np.array(as_array(k, v), dtype=np.float64) for k, v in params.items()}
    errors = {}
    for name, g in grads.items():
        if name not in params:
            raise ValueError(f"grads: {name!r} is not one of the parameters {sorted(params)}")
        g = as_array(f"grads[{name!r}]", g)
        if g.shape != params[name].shape:
            raise ValueError(f"grads[{name!r}]: expected shape {params[name].shape} "
                             f"(the shape of params[{name!r}]), got {g.shape}")

        def f_of(value, name=name):
            return f({**params, name: value})

        errors[name] = relative_error(g, numerical_gradient(f_of, params[name], eps))
    return errors
