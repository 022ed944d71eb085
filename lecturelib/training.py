"""Seeding and a small training loop with a progress bar, shared by the chapters."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .explorers import is_static


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
    from tqdm.auto import tqdm

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
          quiet: bool = False) -> TrainingLog:
    """Train ``model`` for ``steps`` steps and return a :class:`TrainingLog`.

    Args:
        loss_fn: ``loss_fn(model, batch) -> scalar tensor``.
        batch_fn: ``batch_fn(step) -> batch``.
        optimizer: default Adam with learning rate ``lr``.
        clip: if given, the gradient norm is clipped to ``clip`` before each update.
        on_step: ``on_step(step, model) -> dict`` of numbers to record after each backward pass.
        quiet: no summary line at the end.
    """
    if steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    log = TrainingLog()
    start = time.perf_counter()
    bar = progress(range(steps), total=steps, desc=desc)
    for step in bar:
        optimizer.zero_grad()
        loss = loss_fn(model, batch_fn(step))
        loss.backward()
        if on_step is not None:
            for key, value in (on_step(step, model) or {}).items():
                log.extra.setdefault(key, []).append(value)
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        log.loss.append(loss.item())
        log.seconds.append(time.perf_counter() - start)
        if hasattr(bar, "set_postfix") and step % 50 == 0:
            bar.set_postfix(loss=f"{log.loss[-1]:.4g}")
    if not quiet:
        print(f"{desc}: {steps} steps in {log.seconds[-1]:.1f} s, final loss {log.final_loss:.4g}")
    return log
