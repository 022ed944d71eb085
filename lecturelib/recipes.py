"""The lecture's recipes for training recurrent networks, side by side: chapter 6's comparison and
chapter 3's experiments. Every trainer here runs :func:`lecturelib.training.train`.

Chapter 3 (the vanilla RNN's remedies): :func:`train_adding` trains each recipe of
:data:`ADDING_RECIPES` (tanh with the default initialization, the IRNN, Talathi-Vartak, clipping + Ω)
on the adding problem, recording the back-propagated norm ratio; :func:`train_echo_truncated` trains on
the delayed echo with the lecture's truncated BPTT.

Chapter 6: four recipes, each a model plus a way of training it, on the same tasks with matched
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
from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from ._validate import check_choice, check_positive_ints, check_real
from .bptt import truncated_loss_torch
from .gradients import clip_grad_norm, init_recurrent, omega_for_loss
from .gru import GRU, MGU
from .lstm import LSTM
from .rnn import VanillaRNN
from .tables import Table
from .tasks import (ADDING_BASELINE_MSE, adding_batch_fn, copy_baseline_cross_entropy, copy_batch_fn,
                    echo_batch_fn)
from .training import TrainingLog, count_parameters, smooth, train

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
        return self.forward_with_states(xs)[0]

    def forward_with_states(self, xs):
        """``(zs, states)``: the outputs and the core's states h_1..h_T as a list of tensors of one
        graph (what Pascanu's Ω needs, :func:`lecturelib.gradients.omega_for_loss`)."""
        states, _ = self.core.run(xs)
        return self.core.readout(states)[1] + self.c, states


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
    check_real("omega_weight", omega_weight, minimum=0)
    model = make_model(kind, setup["n_in"], setup["n_out"], budget, seed)

    def loss_fn(model, batch):
        xs, ys = batch
        zs, states = model.forward_with_states(xs)
        loss = setup["loss"](zs, ys)
        if model.kind != "rnn":
            return loss, {"task": loss.item()}
        omega = omega_for_loss(model.core, states, loss)
        return loss + omega_weight * omega, {"task": loss.item(), "omega": omega.item()}

    log = train(model, loss_fn, setup["batch_fn"], steps, lr=lr, clip=clip if kind == "rnn" else None,
                desc=LABELS[kind], quiet=True)
    log.loss = list(log.extra.pop("task"))  # report the task loss, comparable across recipes
    log.extra["parameters"] = count_parameters(model)
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


# ------------------------------------------- chapter 3: the adding problem, the echo

class LastStepRNN(VanillaRNN):
    """A :class:`~lecturelib.rnn.VanillaRNN` read out at the last step only, with an output bias
    ``c`` (the adding problem's target has mean 1): ``y_hat = W_out h_T + c``."""

    def __init__(self, n_in: int, n_hidden: int, n_out: int = 1, nonlinearity: str = "relu"):
        super().__init__(n_in, n_hidden, n_out, nonlinearity)
        self.c = torch.nn.Parameter(torch.zeros(n_out))

    def forward(self, xs: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
        return self.run(xs, h0)[0][-1] @ self.W_out.T + self.c


#: The recipes compared on the adding problem: nonlinearity, initialization of W_rec, Ω or not.
ADDING_RECIPES = {
    "tanh RNN, default init": dict(nonlinearity="tanh", init="default", omega=False),
    "ReLU IRNN (W_rec = I)": dict(nonlinearity="relu", init="identity", omega=False),
    "ReLU RNN, Talathi-Vartak init": dict(nonlinearity="relu", init="talathi", omega=False),
    "ReLU RNN, clipping + Ω": dict(nonlinearity="relu", init="default", omega=True),
}


def train_adding(recipe: str, T: int = 50, n_hidden: int = 32, steps: int = 1500, batch_size: int = 64,
                 lr: float = 1e-3, clip: float = 1.0, omega_weight: float = 1.0, seed: int = 0,
                 ratio_every: int = 25, desc: str | None = None) -> dict:
    """Train one recipe of :data:`ADDING_RECIPES` on the adding problem with Adam and gradient
    clipping at ``clip`` by the lecture's rule (every recipe is clipped; the Ω recipe adds
    ``omega_weight · Ω``).

    Every ``ratio_every`` steps the mean back-propagated norm ratio
    ``||(∂h_{t+1}/∂h_t)^T δ_{t+1}|| / ||δ_{t+1}||`` over steps and batch is recorded, and its
    geometric mean over t (the typical factor per step), for every recipe.

    Returns:
        dict with ``mse`` (per step), ``ratio_steps``, ``ratio`` (geometric mean per recorded
        step), ``seconds`` and the settings.
    """
    check_choice("recipe", recipe, ADDING_RECIPES)
    check_positive_ints(ratio_every=ratio_every)
    check_real("omega_weight", omega_weight, minimum=0)
    spec = ADDING_RECIPES[recipe]
    torch.manual_seed(seed)
    model = LastStepRNN(2, n_hidden, 1, spec["nonlinearity"])
    init_recurrent(model, spec["init"], seed=seed)
    batches = adding_batch_fn(batch_size, T, seed=10_000 + seed)

    def loss_fn(model, batch):
        step, (xs, ys) = batch
        states = model.run(xs)[0]
        loss = ((states[-1] @ model.W_out.T + model.c - ys) ** 2).mean()
        total, numbers = loss, {"mse": loss.item()}
        want_ratio = step % ratio_every == 0
        if spec["omega"] or want_ratio:
            omega, r = omega_for_loss(model, states, loss, return_ratios=True)
            if spec["omega"]:
                total = loss + omega_weight * omega
            if want_ratio:
                numbers["ratio_steps"] = step
                numbers["ratio"] = float(torch.exp(torch.log(r.clamp_min(1e-30)).mean()))
        return total, numbers

    log = train(model, loss_fn, lambda step: (step, batches(step)), steps, lr=lr, clip=clip,
                clip_fn=clip_grad_norm, desc=desc or recipe, quiet=True)
    return dict(recipe=recipe, mse=np.array(log.extra["mse"]), ratio_steps=np.array(log.extra.get("ratio_steps", [])),
                ratio=np.array(log.extra.get("ratio", [])), seconds=log.seconds[-1], T=T, n_hidden=n_hidden,
                steps=steps, lr=lr, seed=seed)


def train_echo_truncated(p: int, delay: int = 4, T: int = 20, n_hidden: int = 16, steps: int = 300,
                         batch_size: int = 32, lr: float = 0.01, nonlinearity: str = "tanh", seed: int = 0,
                         desc: str | None = None) -> np.ndarray:
    """Train a VanillaRNN on the delayed echo (:func:`lecturelib.tasks.echo_task`) with the lecture's
    truncated BPTT: each loss is back-propagated ``p`` steps only (:func:`lecturelib.bptt.truncated_loss_torch`),
    gradients clipped at 1.

    Returns:
        The MSE per step, measured after each update on that step's batch, on the steps t > delay
        (those with something to echo), (steps,).
    """
    torch.manual_seed(seed)
    model = VanillaRNN(1, n_hidden, 1, nonlinearity)
    batches = echo_batch_fn(batch_size, T, delay, seed=20_000 + seed)
    current = {}

    def loss_fn(model, batch):
        current["batch"] = batch
        return truncated_loss_torch(model, *batch, p)

    def echo_mse(step, model):
        xs, ys = current["batch"]
        with torch.no_grad():
            zs = model(xs)[1]
        return {"mse": float(((zs[delay:] - ys[delay:]) ** 2).mean())}

    log = train(model, loss_fn, batches, steps, lr=lr, clip=1.0, clip_fn=clip_grad_norm, metrics=echo_mse,
                desc=desc or f"p = {p}", quiet=True)
    return np.array(log.extra["mse"])
