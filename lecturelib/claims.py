"""Keeping the prose true to the run: glue numbers into the text, and the small measurements behind claims.

A number in a chapter's prose that comes from a computation is never typed by hand: the chapter
computes it and calls :func:`glue`, and the Markdown refers to it by name with myst-nb's role,
``{glue:text}`name:.3f```. When the book is built, myst-nb pastes the value in; in plain Jupyter or
Colab (no myst-nb) :func:`glue` prints the values instead, so a reader still sees them.

The other functions measure what a sentence claims, so that the chapter (or a test) can check it:

- :func:`power_norms`: ``||(W^T)^p||_2`` for p = 1..P, the factor by which p steps back can stretch a
  gradient in a linear network (the spectral radius bounds only the limit of its p-th root);
- :func:`range_between`: whether a curve stays inside a band over a stretch of its x values, and where
  it leaves it;
- :func:`first_below`: the first index at which a curve falls below a level.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import check_int_range, check_positive_number, check_real

__all__ = ["glue", "glue_many", "power_norms", "range_between", "first_below", "comparison_word"]


def _plain(value):
    """A Python number or string for ``value`` (numpy scalars would be pasted as ``np.float64(...)``)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"glue: value must be a number or a string, got {type(value).__name__}")


def glue(name: str, value) -> None:
    """Make ``value`` available to the chapter's prose as ``{glue:text}`name```.

    With myst-nb installed (the book build), the value is stored invisibly in the cell's output. Without
    it (Colab, a bare Jupyter), the value is printed as ``name = value``, so the reader sees it.
    ``value`` must be a number or a string; numpy scalars become Python numbers.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"glue: name must be an identifier-like string, got {name!r}")
    value = _plain(value)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        print(f"{name} = {value}")
        return
    myst_glue(name, value, display=False)


def glue_many(**values) -> None:
    """:func:`glue` each keyword argument under its own name."""
    for name, value in values.items():
        glue(name, value)


def power_norms(W, p_max: int) -> np.ndarray:
    """Spectral norms ``||(W^T)^p||_2`` for p = 1, ..., p_max (array of length p_max).

    ``W`` is a square (n, n) matrix. For a normal matrix these equal ``rho(W)**p``; for a non-normal one
    they can be much larger, which is why the spectral radius alone does not bound a finite product.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"power_norms: W must be a square matrix, got shape {W.shape}")
    if int(p_max) != p_max or p_max < 1:
        raise ValueError(f"power_norms: p_max must be a whole number >= 1, got {p_max!r}")
    out, P = [], np.eye(W.shape[0])
    for _ in range(int(p_max)):
        P = W.T @ P
        out.append(np.linalg.norm(P, 2))
    return np.array(out)


def range_between(y, low: float, high: float, start: int = 0, stop: int | None = None) -> dict:
    """Whether ``y[start:stop]`` stays within ``[low, high]``.

    Returns a dict: ``inside`` (bool), ``min`` and ``max`` over the stretch, and ``first_outside``, the
    first index (into ``y``) where the curve leaves the band, or None.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"range_between: y must be one-dimensional, got shape {y.shape}")
    if low > high:
        raise ValueError(f"range_between: low must not exceed high, got low={low}, high={high}")
    part = y[start:stop]
    if part.size == 0:
        raise ValueError(f"range_between: the stretch [{start}:{stop}] of a curve of length {y.size} is empty")
    outside = np.flatnonzero((part < low) | (part > high))
    return {"inside": outside.size == 0, "min": float(part.min()), "max": float(part.max()),
            "first_outside": None if outside.size == 0 else int(outside[0] + start)}


def first_below(y, level: float):
    """The first index at which ``y`` falls below ``level``, or None if it never does."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"first_below: y must be one-dimensional, got shape {y.shape}")
    hits = np.flatnonzero(y < level)
    return None if hits.size == 0 else int(hits[0])


def comparison_word(a: float, b: float, smaller: str = "lower", larger: str = "higher",
                    equal: str = "equal", rtol: float = 0.05) -> str:
    """``smaller`` if a < b, ``larger`` if a > b, ``equal`` within a relative tolerance ``rtol``.

    Lets prose that compares two measured numbers be generated from them, so it stays true when a
    rerun changes their order.
    """
    a, b = float(a), float(b)
    if abs(a - b) <= rtol * max(abs(a), abs(b)):
        return equal
    return smaller if a < b else larger


def gru_state_gradient_norms(weights: dict, xs, seed: int = 0):
    """The norm of dL/dh_t against the distance T - t for the lecture's GRU, a loss on the last state.

    The counterpart of ``lecturelib.lstm.lstm_state_gradient_norms`` for the GRU (reset before the
    product): ``L = w . h_T`` with a fixed random unit vector ``w`` (seeded by ``seed``), averaged over the
    batch; ``xs`` is (T, B, m) and ``weights`` the dict of ``random_gru_weights``. The gradients come from
    PyTorch's autograd through the lecture's equations, in float64. Returns ``(distance, norm_dh)``, each (T,),
    distance = T - t from 0 (the last step) to T - 1, norms the batch mean of the 2-norm.
    """
    import torch

    xs = np.asarray(xs, dtype=float)
    if xs.ndim != 3:
        raise ValueError(f"gru_state_gradient_norms: xs must be (T, B, m), got shape {xs.shape}")
    try:
        W = {k: torch.as_tensor(np.asarray(weights[k], dtype=float)) for k in ("W_r", "W_u", "W_h")}
        b = {k: torch.as_tensor(np.asarray(weights[k], dtype=float)) for k in ("b_r", "b_u", "b_h")}
    except KeyError as missing:
        raise ValueError(f"gru_state_gradient_norms: weights need W_r, W_u, W_h, b_r, b_u, b_h; missing {missing}")
    T, B, m = xs.shape
    n = W["W_r"].shape[0]
    if W["W_r"].shape != (n, n + m):
        raise ValueError(f"gru_state_gradient_norms: W_r must be (n, n + m) = ({n}, {n + m}), "
                         f"got {tuple(W['W_r'].shape)}")
    rng = np.random.default_rng(seed)
    v = rng.normal(size=n)
    v = torch.as_tensor(v / np.linalg.norm(v))
    h = torch.zeros(B, n, dtype=torch.float64, requires_grad=True)   # so that every h_t carries a gradient
    states = []
    for t in range(T):
        x = torch.as_tensor(xs[t])
        hx = torch.cat([h, x], dim=1)
        r = torch.sigmoid(hx @ W["W_r"].T + b["b_r"])
        u = torch.sigmoid(hx @ W["W_u"].T + b["b_u"])
        cand = torch.tanh(torch.cat([r * h, x], dim=1) @ W["W_h"].T + b["b_h"])
        h = u * h + (1 - u) * cand
        h.retain_grad()
        states.append(h)
    loss = (states[-1] @ v).mean() * B     # sum over the batch: each sequence's gradient starts from v
    loss.backward()
    norms = np.array([s.grad.norm(dim=1).mean().item() for s in states])
    return np.arange(T), norms[::-1].copy()


# ------------------------------------------------ the lecture's GRU-versus-LSTM claims, measured

def equal_budget_models(n_in: int, n_out: int, budget: int, seed: int = 0, kinds=("gru", "lstm")) -> dict:
    """``{kind: SequenceModel}`` with the largest hidden size each whose parameter count stays within
    ``budget`` (``lecturelib.recipes.hidden_for_budget``), seeded by ``seed``."""
    import torch
    from .recipes import SequenceModel, hidden_for_budget

    models = {}
    for kind in kinds:
        torch.manual_seed(seed)
        models[kind] = SequenceModel(kind, n_in, hidden_for_budget(kind, n_in, n_out, budget), n_out)
    return models


def saved_activation_bytes(model, xs) -> int:
    """Bytes of the activations autograd keeps for the backward pass of ``model(xs)``.

    Counts every tensor saved for backward during the forward pass (``torch.autograd.graph.saved_tensors_hooks``),
    once per storage, leaving out the model's own parameters (they exist whether or not one trains). This is the
    memory that training through ``T`` steps costs on top of the weights, and it does not depend on the machine.
    """
    import torch

    params = {p.data_ptr() for p in model.parameters()}
    seen, total = set(), [0]

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in params and ptr not in seen:
            seen.add(ptr)
            total[0] += t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(xs).sum()
    return total[0]


def state_numbers(kind: str, n_hidden: int) -> int:
    """Numbers a cell carries from one step to the next: ``h`` (and the LSTM's ``c``)."""
    if kind not in ("rnn", "gru", "mgu", "lstm"):
        raise ValueError(f"kind: expected rnn, gru, mgu or lstm, got {kind!r}")
    n_hidden = check_int_range("n_hidden", n_hidden, 1)
    return 2 * n_hidden if kind == "lstm" else n_hidden


def steps_to_target(model, loss_fn, batch_fn, target: float, max_steps: int, lr: float = 1e-2,
                    window: int = 20):
    """Train ``model`` with Adam until the mean loss of the last ``window`` steps is below ``target``.

    ``loss_fn(model, batch) -> loss tensor``; ``batch_fn(step) -> batch``. Returns ``(steps, losses)``:
    the number of steps taken when the target was met (None if ``max_steps`` passed first) and the loss
    of every step.
    """
    import torch

    window = check_int_range("window", window, 1)
    max_steps = check_int_range("max_steps", max_steps, 1)
    if max_steps < window:
        raise ValueError(f"max_steps: expected at least window = {window}, got {max_steps}")
    target = check_real("target", target)
    check_positive_number(lr=lr)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(max_steps):
        loss = loss_fn(model, batch_fn(step))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if len(losses) >= window and np.mean(losses[-window:]) < target:
            return step + 1, losses
    return None, losses


CLAIMS_FILE = "bench_gru_lstm_claims.json"


def stored_claims() -> dict:
    """The results ``bench/bench_gru_lstm_claims.py`` last stored in lecturelib's data (rows, table, settings, raw)."""
    import json
    from importlib import resources

    try:
        text = resources.files("lecturelib").joinpath("data", CLAIMS_FILE).read_text()
    except (FileNotFoundError, OSError):
        raise FileNotFoundError(f"no stored results in lecturelib/data/{CLAIMS_FILE}: run "
                                f"`python bench/bench_gru_lstm_claims.py`") from None
    return json.loads(text)


def claims_table():
    """The stored GRU-versus-LSTM claims table, captioned with its settings (a ``lecturelib.recipes.Table``)."""
    from .recipes import Table

    data = stored_claims()
    return Table(data["table"], data["settings"])
