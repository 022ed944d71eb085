"""The lecture's recipes for training recurrent networks, side by side (chapter 6).

Four recipes, each a model plus a way of training it, on the same tasks with matched
parameter budgets:

* ``"rnn"``: a vanilla tanh RNN with gradient-norm clipping and Pascanu's regularizer Ω
  (:mod:`lecturelib.gradients`), against exploding and vanishing gradients;
* ``"lstm"``: the LSTM (:mod:`lecturelib.lstm`), forget-gate bias 1;
* ``"gru"``: the lecture's GRU (:mod:`lecturelib.gru`);
* ``"mgu"``: a gating variant, the minimal gated unit.

Every model reads the whole sequence and emits ``z_t = W_out h_t + c`` at every step (``c`` an
output bias). Tasks come from :mod:`lecturelib.tasks`: the adding problem (squared error on the
last output) and the copy task (cross-entropy over every step). All recipes see the same batches
(fixed by seed and step) and use Adam with the same learning rate; only the recipe differs.
"""
from __future__ import annotations

import json
import time
from importlib import resources

import numpy as np
import torch
from torch import nn

from .gradients import omega_for_loss, rnn_states
from .gru import GRU, MGU
from .lstm import LSTM
from .rnn import VanillaRNN, count_module_parameters
from .tasks import ADDING_BASELINE_MSE, adding_batch_fn, copy_baseline_cross_entropy, copy_batch_fn
from .training import TrainingLog, train

KINDS = ("rnn", "lstm", "gru", "mgu")
LABELS = {"rnn": "vanilla RNN + clipping + Ω", "lstm": "LSTM", "gru": "GRU", "mgu": "minimal gated unit"}
COLOURS = {"rnn": "#7f7f7f", "lstm": "#1f77b4", "gru": "#d62728", "mgu": "#2ca02c"}
#: How many blocks of n (n + m) + n parameters each cell has (the vanilla RNN has one).
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3, "mgu": 2}


class SequenceModel(nn.Module):
    """A recurrent core with a readout ``z_t = W_out h_t + c`` at every step; ``forward(xs) -> zs``."""

    def __init__(self, kind: str, n_in: int, n_hidden: int, n_out: int):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
        self.kind = kind
        if kind == "rnn":
            self.core = VanillaRNN(n_in, n_hidden, n_out, nonlinearity="tanh")
        elif kind == "lstm":
            self.core = LSTM(n_in, n_hidden, n_out, forget_bias=1.0)
        elif kind == "gru":
            self.core = GRU(n_in, n_hidden, n_out)
        else:
            self.core = MGU(n_in, n_hidden, n_out)
        self.c = nn.Parameter(torch.zeros(n_out))

    def forward(self, xs):
        return self.core(xs)[1] + self.c


def count_recipe_parameters(kind: str, n_in: int, n_hidden: int, n_out: int) -> int:
    """Parameters of :class:`SequenceModel`: ``blocks · (n (n + m) + n) + k n + k``."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {list(KINDS)}, got {kind!r}")
    n, m, k = n_hidden, n_in, n_out
    return BLOCKS[kind] * (n * (n + m) + n) + k * n + k


def hidden_for_budget(kind: str, n_in: int, n_out: int, budget: int) -> int:
    """The largest hidden size whose :func:`count_recipe_parameters` stays within ``budget``."""
    n = 1
    if count_recipe_parameters(kind, n_in, 1, n_out) > budget:
        raise ValueError(f"budget: {budget} parameters are too few for even one hidden unit of a {kind}")
    while count_recipe_parameters(kind, n_in, n + 1, n_out) <= budget:
        n += 1
    return n


def make_model(kind: str, n_in: int, n_out: int, budget: int, seed: int = 0) -> SequenceModel:
    """A :class:`SequenceModel` of the given kind with as many hidden units as ``budget`` allows."""
    torch.manual_seed(seed)
    return SequenceModel(kind, n_in, hidden_for_budget(kind, n_in, n_out, budget), n_out)


# ----------------------------------------------------------------------- tasks

def task_setup(task: str, T: int, batch_size: int = 32, seed: int = 0, n_symbols: int = 4) -> dict:
    """Everything a recipe needs to know about a task.

    ``task``: ``"adding"`` (sequences of length ``T``) or ``"copy"`` (``length = T // 4`` symbols,
    ``delay = T - 2 length``, so the sequence has ``T`` steps). Returns a dict with ``n_in``,
    ``n_out``, ``batch_fn``, ``loss`` (``loss(zs, ys) -> scalar``), ``baseline`` (the loss of the
    best memoryless answer) and a ``title``.
    """
    if task == "adding":
        return dict(task=task, n_in=2, n_out=1, batch_fn=adding_batch_fn(batch_size, T, seed),
                    loss=lambda zs, ys: torch.mean((zs[-1] - ys) ** 2), baseline=ADDING_BASELINE_MSE,
                    title=f"adding problem, T = {T}", metric="mean squared error")
    if task == "copy":
        length = max(1, T // 4)
        delay = T - 2 * length
        if delay < 1:
            raise ValueError(f"T: the copy task needs T >= 3, got {T}")
        return dict(task=task, n_in=n_symbols + 2, n_out=n_symbols + 1,
                    batch_fn=copy_batch_fn(batch_size, length, delay, n_symbols, seed),
                    loss=lambda zs, ys: nn.functional.cross_entropy(zs.reshape(-1, zs.shape[-1]), ys.reshape(-1)),
                    baseline=copy_baseline_cross_entropy(length, delay, n_symbols),
                    title=f"copy task, {length} symbols over {T} steps", metric="cross-entropy (nats/step)")
    raise ValueError(f"task: expected 'adding' or 'copy', got {task!r}")


# --------------------------------------------------------------------- training

def run_recipe(kind: str, setup: dict, steps: int, budget: int, lr: float = 1e-2, clip: float = 1.0,
               omega_weight: float = 0.1, seed: int = 0) -> TrainingLog:
    """Train one recipe on one task. The log's ``loss`` is the task loss (without Ω);
    ``extra["omega"]`` holds Ω for the vanilla RNN. Clipping at ``clip`` applies to the vanilla RNN
    only (the lecture's recipe); the gated cells are trained plainly."""
    model = make_model(kind, setup["n_in"], setup["n_out"], budget, seed)
    last = {}

    def loss_fn(model, batch):
        xs, ys = batch
        if model.kind != "rnn":
            loss = setup["loss"](model(xs), ys)
            last["task"] = loss.item()
            return loss
        core = model.core
        states = rnn_states(core, xs)
        zs = torch.stack(states) @ core.W_out.t() + model.c
        loss = setup["loss"](zs, ys)
        omega = omega_for_loss(core, states, loss)
        last["task"], last["omega"] = loss.item(), omega.item()
        return loss + omega_weight * omega

    def on_step(step, model):
        return {k: v for k, v in last.items()}

    log = train(model, loss_fn, setup["batch_fn"], steps, lr=lr, clip=clip if kind == "rnn" else None,
                on_step=on_step, desc=LABELS[kind], quiet=True)
    log.loss = list(log.extra.pop("task"))  # report the task loss, comparable across recipes
    log.extra["parameters"] = count_module_parameters(model)
    log.extra["n_hidden"] = model.core.W_rec.shape[1]
    return log


def compare_recipes(tasks: dict, steps: int, budget: int, kinds=KINDS, lr: float = 1e-2, seed: int = 0,
                    **kwargs) -> dict:
    """Run every recipe on every task: ``tasks`` maps a name to a :func:`task_setup` dict.
    Returns ``{task name: {kind: TrainingLog}}``."""
    results = {}
    for name, setup in tasks.items():
        results[name] = {kind: run_recipe(kind, setup, steps, budget, lr=lr, seed=seed, **kwargs) for kind in kinds}
    return results


def smooth(values, window: int = 10) -> np.ndarray:
    """Moving average over ``window`` steps (shorter at the start), for readable curves."""
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def summary_rows(results: dict, tasks: dict, last: int = 20) -> list[dict]:
    """One row per (task, recipe): parameters, hidden units, final loss (mean of the last ``last``
    steps), its ratio to the memoryless baseline, and the wall time."""
    rows = []
    for name, logs in results.items():
        for kind, log in logs.items():
            final = float(np.mean(log.loss[-last:]))
            rows.append(dict(task=name, recipe=LABELS[kind], parameters=log.extra["parameters"],
                             hidden=log.extra["n_hidden"], final_loss=final,
                             vs_baseline=final / tasks[name]["baseline"], seconds=log.seconds[-1]))
    return rows


def markdown_table(rows: list[dict]) -> Table:
    """The rows of :func:`summary_rows` as a :class:`Table` (Markdown, shown as HTML in notebooks)."""
    lines = ["| task | recipe | parameters | hidden units | final loss | ÷ baseline | seconds |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['task']} | {r['recipe']} | {r['parameters']} | {r['hidden']} | {r['final_loss']:.3g} "
                     f"| {r['vs_baseline']:.2g} | {r['seconds']:.1f} |")
    return Table("\n".join(lines))


def plot_recipe_curves(results: dict, tasks: dict, fig=None, window: int = 10):
    """For every task, loss against steps (left) and against wall time (right), one curve per recipe,
    smoothed over ``window`` steps; the dashed line is the memoryless baseline."""
    import matplotlib.pyplot as plt

    fig = fig or plt.figure(figsize=(7.5, 3.2 * len(results) + 0.4))   # readable at page width (about 690 px)
    axes = fig.subplots(len(results), 2, squeeze=False)
    for row, (name, logs) in enumerate(results.items()):
        setup = tasks[name]
        for col, x_of in enumerate((lambda log: np.arange(1, len(log.loss) + 1), lambda log: np.asarray(log.seconds))):
            ax = axes[row, col]
            for kind, log in logs.items():
                ax.plot(x_of(log), smooth(log.loss, window), color=COLOURS[kind], lw=1.6,
                        label=f"{LABELS[kind]} ({log.extra['parameters']} params)")
            ax.axhline(setup["baseline"], color="black", ls="--", lw=1, label="memoryless baseline")
            ax.set_yscale("log")
            ax.set_xlabel("training step" if col == 0 else "wall time (s)")
            ax.set_ylabel(setup["metric"])
            ax.set_title(setup["title"], fontsize=10)
            ax.grid(alpha=0.3, which="both")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.55 / fig.get_size_inches()[1]))   # room for a two-row legend on top
    fig.legend(handles, [label.split(" (")[0] for label in labels], loc="upper center", ncol=3, fontsize=9.5,
               frameon=False)
    return fig


class Table:
    """A Markdown table that notebooks show as HTML (``_repr_html_``: the static book's renderer does
    not read Markdown tables) and as Markdown elsewhere; ``str()`` gives the Markdown."""

    def __init__(self, markdown: str, caption: str = ""):
        self.markdown, self.caption = markdown, caption

    def __str__(self):
        return self.markdown + (f"\n\n*{self.caption}*" if self.caption else "")

    def _repr_markdown_(self):
        return str(self)

    def _repr_html_(self):
        import html

        lines = [l.strip() for l in self.markdown.strip().splitlines() if l.strip().startswith("|")]
        cells = [[html.escape(c.strip()) for c in l.strip("|").split("|")] for l in lines]
        if len(cells) < 2:
            return f"<p>{html.escape(self.markdown)}</p>"
        align = ["right" if a.strip().endswith(":") else "left" for a in lines[1].strip("|").split("|")]
        head = "".join(f'<th style="text-align:{a}">{c}</th>' for c, a in zip(cells[0], align))
        body = "".join("<tr>" + "".join(f'<td style="text-align:{a}">{c}</td>' for c, a in zip(row, align))
                       + "</tr>" for row in cells[2:])
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f'<table class="table">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# ------------------------------------------------------------- the bench table

BENCH_FILE = "bench_recipes.json"


def bench_table() -> Table:
    """The table of the larger recipe comparison, as last written by ``bench/bench_recipes.py``
    into lecturelib's data, captioned with the settings and machine it ran on."""
    try:
        text = resources.files("lecturelib").joinpath("data", BENCH_FILE).read_text()
    except (FileNotFoundError, OSError):
        return Table("(No stored results: run `python bench/bench_recipes.py`.)")
    data = json.loads(text)
    return Table(data["table"], data["settings"])


def timed(fn, *args, **kwargs):
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start
