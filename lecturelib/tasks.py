"""Synthetic sequence tasks that need a long memory: the adding problem and the copy task.

Both are the benchmarks of the papers the lecture cites for long-range learning
(Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015; Arjovsky et al. 2016).
Each comes as a numpy generator, a PyTorch generator and a ``*_batch_fn`` that
gives ``batch_fn(step) -> batch`` for :func:`lecturelib.training.train`; the batch
of step ``s`` depends only on ``(seed, s)``, so runs are reproducible and every
model of an experiment sees the same data.

Layout is time-major, (T, B, features), unless ``batch_first=True``.

**Adding problem.** Input at step t is ``(u_t, m_t)``: ``u_t`` uniform on [0, 1]
and a marker ``m_t`` that is 1 at exactly two steps (one in the first half of the
sequence, one in the second) and 0 elsewhere. The target is ``sum_t m_t u_t``, the
sum of the two marked values. Always answering 1 (the mean of the target) gives
MSE ``Var(u_a + u_b) = 2/12 = 1/6``, the baseline a model must beat.

**Copy task.** The first ``length`` steps show random symbols from an alphabet of
``n_symbols``; then ``delay`` blank steps, the last of which carries a delimiter;
then ``length`` blank steps during which the model must output the symbols in
order. Targets are class indices: the symbol during recall, "blank" elsewhere.
Outputting blank until the delimiter and then a uniform guess gives the
cross-entropy baseline :func:`copy_baseline_cross_entropy`.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ._validate import check_elements, check_positive_ints, check_seed

#: MSE of the constant prediction 1 on the adding problem: Var(u_a + u_b) = 2 · (1/12).
ADDING_BASELINE_MSE = 1.0 / 6.0


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    check_seed(seed)
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- adding problem

def adding_problem(batch_size: int, T: int, seed=None, batch_first: bool = False):
    """A batch of the adding problem, in numpy.

    Args:
        batch_size: B, the number of sequences.
        T: sequence length (at least 2).
        seed: an int, a numpy Generator, or None (fresh entropy).

    Returns:
        ``(xs, ys)``: xs (T, B, 2) (or (B, T, 2)) with channel 0 the values u_t and channel 1
        the markers m_t; ys (B, 1) the sums of the two marked values.
    """
    check_positive_ints(batch_size=batch_size, T=T)
    if T < 2:
        raise ValueError(f"T: expected a sequence length of at least 2 (two markers), got {T}")
    check_elements("batch_size", 2 * T * batch_size, "the inputs (T, B, 2)")
    rng = _rng(seed)
    B, half = batch_size, T // 2
    values = rng.uniform(0.0, 1.0, size=(T, B))
    first = rng.integers(0, half, size=B)       # one marker in the first half ...
    second = rng.integers(half, T, size=B)      # ... and one in the second
    markers = np.zeros((T, B))
    markers[first, np.arange(B)] = 1.0
    markers[second, np.arange(B)] = 1.0
    xs = np.stack([values, markers], axis=-1)
    ys = (values * markers).sum(axis=0)[:, None]
    if batch_first:
        xs = xs.transpose(1, 0, 2)
    return xs, ys


def adding_problem_torch(batch_size: int, T: int, seed=None, batch_first: bool = False,
                         dtype=torch.float32, device=None):
    """:func:`adding_problem` as torch tensors (same numbers for the same seed)."""
    xs, ys = adding_problem(batch_size, T, seed, batch_first)
    return (torch.as_tensor(xs, dtype=dtype, device=device),
            torch.as_tensor(ys, dtype=dtype, device=device))


def adding_batch_fn(batch_size: int, T: int, seed: int = 0, batch_first: bool = False,
                    dtype=torch.float32, device=None):
    """``batch_fn(step) -> (xs, ys)`` torch tensors for :func:`lecturelib.training.train`;
    the batch of each step is fixed by ``(seed, step)``."""
    check_positive_ints(batch_size=batch_size, T=T)

    def batch_fn(step: int):
        return adding_problem_torch(batch_size, T, np.random.default_rng([seed, step]), batch_first,
                                    dtype, device)

    return batch_fn


# --------------------------------------------------------------------- copy task

def copy_task(batch_size: int, length: int = 10, delay: int = 20, n_symbols: int = 8, seed=None,
              batch_first: bool = False):
    """A batch of the copy (memory) task, in numpy.

    Classes 0..n_symbols-1 are symbols, ``n_symbols`` is blank, ``n_symbols + 1`` the delimiter.
    The sequence has ``T = 2 * length + delay`` steps.

    Returns:
        ``(xs, ys)``: xs (T, B, n_symbols + 2) one-hot inputs; ys (T, B) integer targets
        (blank, then the ``length`` symbols during the last ``length`` steps).
    """
    check_positive_ints(batch_size=batch_size, length=length, delay=delay, n_symbols=n_symbols)
    check_elements("batch_size", (2 * length + delay) * batch_size * (n_symbols + 2),
                   "the one-hot inputs (T, B, n_symbols + 2)")
    rng = _rng(seed)
    B, T, blank, delim = batch_size, 2 * length + delay, n_symbols, n_symbols + 1
    symbols = rng.integers(0, n_symbols, size=(length, B))
    inp = np.full((T, B), blank)
    inp[:length] = symbols
    inp[length + delay - 1] = delim            # "now recall"
    ys = np.full((T, B), blank)
    ys[length + delay:] = symbols
    xs = np.eye(n_symbols + 2)[inp]
    if batch_first:
        xs, ys = xs.transpose(1, 0, 2), ys.T
    return xs, ys.astype(np.int64)


def copy_task_torch(batch_size: int, length: int = 10, delay: int = 20, n_symbols: int = 8, seed=None,
                    batch_first: bool = False, dtype=torch.float32, device=None):
    """:func:`copy_task` as torch tensors: float inputs, int64 targets."""
    xs, ys = copy_task(batch_size, length, delay, n_symbols, seed, batch_first)
    return torch.as_tensor(xs, dtype=dtype, device=device), torch.as_tensor(ys, device=device)


def copy_batch_fn(batch_size: int, length: int = 10, delay: int = 20, n_symbols: int = 8, seed: int = 0,
                  batch_first: bool = False, dtype=torch.float32, device=None):
    """``batch_fn(step) -> (xs, ys)`` for the copy task; fixed by ``(seed, step)``."""
    check_positive_ints(batch_size=batch_size, length=length, delay=delay, n_symbols=n_symbols)

    def batch_fn(step: int):
        return copy_task_torch(batch_size, length, delay, n_symbols, np.random.default_rng([seed, step]),
                               batch_first, dtype, device)

    return batch_fn


def copy_baseline_cross_entropy(length: int = 10, delay: int = 20, n_symbols: int = 8) -> float:
    """Mean cross-entropy (nats per step) of the memoryless strategy: blank (with certainty)
    before recall, a uniform guess among the symbols during recall:
    ``length · ln(n_symbols) / (2 · length + delay)``."""
    check_positive_ints(length=length, delay=delay, n_symbols=n_symbols)
    return length * math.log(n_symbols) / (2 * length + delay)


# ---------------------------------------------------------------- delayed echo

def echo_task(batch_size: int, T: int, delay: int, seed=None):
    """A batch of the delayed echo: inputs ``x_t`` are random ±1 (one channel); the target at step t
    is ``x_{t-delay}`` (0 for the first ``delay`` steps). A network must remember ``delay`` steps;
    guessing 0 gives MSE ``(T - delay)/T``.

    Returns:
        ``(xs, ys)`` numpy arrays, both (T, B, 1).
    """
    check_positive_ints(batch_size=batch_size, T=T, delay=delay)
    if delay >= T:
        raise ValueError(f"delay: expected fewer steps than T = {T}, got {delay}")
    check_elements("batch_size", 2 * T * batch_size, "the inputs and targets (T, B, 1)")
    rng = _rng(seed)
    xs = rng.choice([-1.0, 1.0], size=(T, batch_size, 1))
    ys = np.zeros_like(xs)
    ys[delay:] = xs[:-delay]
    return xs, ys


def echo_batch_fn(batch_size: int, T: int, delay: int, seed: int = 0, dtype=torch.float32):
    """``batch_fn(step) -> (xs, ys)`` torch tensors of :func:`echo_task`, fixed by ``(seed, step)``."""
    check_positive_ints(batch_size=batch_size, T=T, delay=delay)

    def batch_fn(step: int):
        xs, ys = echo_task(batch_size, T, delay, np.random.default_rng([seed, step]))
        return torch.as_tensor(xs, dtype=dtype), torch.as_tensor(ys, dtype=dtype)

    return batch_fn
