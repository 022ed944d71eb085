"""Seeding, and the one training loop the chapters' trainers share (chapter 3's experiments,
chapter 6's recipes, chapter 8's segmenters), with a progress bar in a live kernel."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ._validate import as_array, check_positive_ints, check_positive_number
from .runmode import is_static


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, numpy's and torch's generators; return a fresh numpy Generator.

    Chapters call this once at the top, so every run gives the same numbers.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def progress(iterable, total: int | None = None, desc: str = ""):
    """A tqdm progress bar in a live notebook; the bare iterable in the static book."""
    if is_static():
        return iterable
    from tqdm.auto import tqdm  # only a live kernel shows bars; tqdm.auto pulls in the notebook widgets


    return tqdm(iterable, total=total, desc=desc, leave=False)


@dataclass
class TrainingLog:
    """What :func:`train` records: the loss after every step and the wall time."""

    loss: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time since the start, per step
    extra: dict[str, list] = field(default_factory=dict)  # whatever ``on_step`` returns

    @property
    def final_loss(self) -> float:
        return self.loss[-1]


def train(model: torch.nn.Module, loss_fn: Callable, batch_fn: Callable, steps: int,
          optimizer: torch.optim.Optimizer | None = None, lr: float = 1e-3,
          clip: float | None = None, on_step: Callable | None = None, desc: str = "training",
          quiet: bool = False, clip_fn: Callable | None = None, metrics: Callable | None = None,
          scheduler=None) -> TrainingLog:
    """Train ``model`` for ``steps`` steps and return a :class:`TrainingLog`.

    Each step: ``batch = batch_fn(step)``; the objective from ``loss_fn``; backward; ``on_step``;
    clipping; the update; ``scheduler.step()``; ``metrics``. Numbers other than the loss (such as
    Pascanu's Ω, or a measure taken after the update) go into ``log.extra``, one list per name.

    Args:
        loss_fn: ``loss_fn(model, batch)`` -> the scalar tensor to minimize, or a pair
            ``(objective, {name: number})`` whose numbers are recorded (e.g. the task loss without Ω).
        batch_fn: ``batch_fn(step) -> batch``.
        optimizer: default Adam with learning rate ``lr``.
        clip: if given, the gradient norm is clipped to ``clip`` before each update, by ``clip_fn``.
        clip_fn: ``clip_fn(parameters, clip)``; default ``torch.nn.utils.clip_grad_norm_``
            (:func:`lecturelib.gradients.clip_grad_norm` is the lecture's rule written out).
        on_step: ``on_step(step, model) -> dict`` of numbers to record after each backward pass.
        metrics: ``metrics(step, model) -> dict`` of numbers to record after each update.
        scheduler: a learning-rate scheduler, stepped after each update.
        quiet: no summary line at the end.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    if clip is not None:       # clip <= 0 would freeze the weights (0) or climb the loss (negative)
        check_positive_number(clip=clip)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    clip_fn = clip_fn or torch.nn.utils.clip_grad_norm_
    log = TrainingLog()
    start = time.perf_counter()
    bar = progress(range(steps), total=steps, desc=desc)
    for step in bar:
        optimizer.zero_grad()
        loss = loss_fn(model, batch_fn(step))
        if isinstance(loss, tuple):
            loss, numbers = loss
            _record(log, numbers)
        loss.backward()
        if on_step is not None:
            _record(log, on_step(step, model))
        if clip is not None:
            clip_fn(model.parameters(), clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if metrics is not None:
            _record(log, metrics(step, model))
        log.loss.append(loss.item())
        log.seconds.append(time.perf_counter() - start)
        if hasattr(bar, "set_postfix") and step % 50 == 0:
            bar.set_postfix(loss=f"{log.loss[-1]:.4g}")
    if not quiet:
        print(f"{desc}: {steps} steps in {log.seconds[-1]:.1f} s, final loss {log.final_loss:.4g}")
    return log


def _record(log: TrainingLog, numbers: dict | None) -> None:
    for key, value in (numbers or {}).items():
        log.extra.setdefault(key, []).append(value)


def count_parameters(module: torch.nn.Module) -> int:
    """Number of trainable scalars in a PyTorch module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def smooth(values, window: int = 10) -> np.ndarray:
    """Running mean over the last ``window`` steps (shorter at the start), for noisy loss curves:
    ``out[t] = mean(values[max(0, t + 1 - window) : t + 1])``."""
    check_positive_ints(window=window)
    v = as_array("values", values, ndim=1)
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)
