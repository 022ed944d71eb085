"""Block diagrams of the LSTM and GRU cells, drawn from a graph that can also be run.

Each cell is a small computation graph (:data:`LSTM_CELL`, :data:`GRU_CELL`): named nodes, each with an
operation, its inputs and a position on the page. :func:`draw_cell` draws the graph; :func:`evaluate` runs
it on numbers. Because the picture and the computation are the same object, a test can check that the
diagram computes exactly the lecture's equations (``lecturelib.lstm.lstm_step``,
``lecturelib.gru.gru_step``): a wrong arrow in the picture is a wrong number in the test.

LSTM (chapter 4), with ``[h; x]`` the stacked previous state and input::

    f = σ(W_f [h_{t-1}; x_t] + b_f)     i = σ(W_i [h_{t-1}; x_t] + b_i)
    v = tanh(W_v [h_{t-1}; x_t] + b_v)  o = σ(W_o [h_{t-1}; x_t] + b_o)
    c_t = f ⊙ c_{t-1} + i ⊙ v           h_t = o ⊙ tanh(c_t)

GRU (chapter 5, the lecture's form, reset before the product)::

    r = σ(W_r [h_{t-1}; x_t] + b_r)     u = σ(W_u [h_{t-1}; x_t] + b_u)
    h̃ = tanh(W_h [r ⊙ h_{t-1}; x_t] + b_h)
    h_t = u ⊙ h_{t-1} + (1 - u) ⊙ h̃

Each cell also names the *path each gate controls* (:data:`LSTM_PATHS`, :data:`GRU_PATHS`): the edges
that carry what the gate scales, drawn highlighted by ``draw_cell(ax, cell, highlight=name)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Node", "LSTM_CELL", "GRU_CELL", "LSTM_PATHS", "GRU_PATHS", "edges", "evaluate", "draw_cell",
           "plot_lstm_diagrams", "plot_gru_diagrams"]

HIGHLIGHT = "#cc0000"
STYLE = {  # node kind -> (face colour, shape)
    "input": ("#cfe2f3", "round"), "output": ("#d9ead3", "round"), "sigmoid": ("#f9cb9c", "box"),
    "tanh_affine": ("#d9d2e9", "box"), "tanh": ("#d9d2e9", "box"), "mul": ("white", "round"),
    "add": ("white", "round"), "one_minus": ("white", "box"), "concat": ("#eeeeee", "box"),
}
OPS = set(STYLE)


@dataclass(frozen=True)
class Node:
    """One node of a cell diagram.

    ``op``: ``input`` (a value given to :func:`evaluate`), ``concat`` (stack the inputs), ``sigmoid`` /
    ``tanh_affine`` (``f(W_g a + b_g)`` for the gate ``gate``), ``tanh``, ``mul`` (elementwise product),
    ``add``, ``one_minus`` (``1 - a``) or ``output`` (a copy of its one input). ``args``: names of the nodes
    it reads, in order. ``xy``: position on the page; ``label``: its text (MathJax-free matplotlib mathtext).
    """
    op: str
    args: tuple = ()
    xy: tuple = (0.0, 0.0)
    label: str = ""
    gate: str = ""


LSTM_CELL: dict[str, Node] = {
    "c_prev": Node("input", (), (-0.5, 3.6), r"$c_{t-1}$"),
    "h_prev": Node("input", (), (-0.5, 0.0), r"$h_{t-1}$"),
    "x": Node("input", (), (1.0, -1.0), r"$x_t$"),
    "hx": Node("concat", ("h_prev", "x"), (1.0, 0.0), r"$[h;x]$"),
    "f": Node("sigmoid", ("hx",), (2.2, 1.2), r"$f$", gate="f"),
    "i": Node("sigmoid", ("hx",), (3.4, 1.2), r"$i$", gate="i"),
    "v": Node("tanh_affine", ("hx",), (4.6, 1.2), r"$v$", gate="v"),
    "o": Node("sigmoid", ("hx",), (5.8, 1.2), r"$o$", gate="o"),
    "keep": Node("mul", ("c_prev", "f"), (2.2, 3.6), r"$\odot$"),
    "write": Node("mul", ("i", "v"), (4.0, 2.4), r"$\odot$"),
    "c": Node("add", ("keep", "write"), (4.0, 3.6), r"$+$"),
    "tanh_c": Node("tanh", ("c",), (7.0, 2.4), r"$\tanh$"),
    "read": Node("mul", ("o", "tanh_c"), (7.0, 1.2), r"$\odot$"),
    "c_out": Node("output", ("c",), (8.2, 3.6), r"$c_t$"),
    "h_out": Node("output", ("read",), (8.2, 0.0), r"$h_t$"),
}

GRU_CELL: dict[str, Node] = {
    "h_prev": Node("input", (), (-0.3, 3.6), r"$h_{t-1}$"),
    "x": Node("input", (), (1.0, -1.0), r"$x_t$"),
    "hx": Node("concat", ("h_prev", "x"), (1.0, 0.0), r"$[h;x]$"),
    "r": Node("sigmoid", ("hx",), (2.0, 1.2), r"$r$", gate="r"),
    "u": Node("sigmoid", ("hx",), (6.4, 0.0), r"$u$", gate="u"),
    "rh": Node("mul", ("r", "h_prev"), (2.0, 2.4), r"$\odot$"),
    "rhx": Node("concat", ("rh", "x"), (3.5, 1.2), r"$[r\odot h;x]$"),
    "cand": Node("tanh_affine", ("rhx",), (5.3, 1.2), r"$\tilde h$", gate="h"),
    "one_minus": Node("one_minus", ("u",), (7.5, 0.0), r"$1-$"),
    "keep": Node("mul", ("u", "h_prev"), (6.4, 3.6), r"$\odot$"),
    "take": Node("mul", ("one_minus", "cand"), (7.5, 1.2), r"$\odot$"),
    "h": Node("add", ("keep", "take"), (7.5, 3.6), r"$+$"),
    "h_out": Node("output", ("h",), (8.7, 3.6), r"$h_t$"),
}

# The path each gate controls: the edges (source, target) that carry what the gate scales or chooses.
LSTM_PATHS: dict[str, list[tuple[str, str]]] = {
    "cell state": [("c_prev", "keep"), ("keep", "c"), ("c", "c_out")],
    "forget gate": [("f", "keep"), ("c_prev", "keep"), ("keep", "c")],
    "input gate": [("i", "write"), ("v", "write"), ("write", "c")],
    "output gate": [("o", "read"), ("c", "tanh_c"), ("tanh_c", "read"), ("read", "h_out")],
}
GRU_PATHS: dict[str, list[tuple[str, str]]] = {
    "state": [("h_prev", "keep"), ("keep", "h"), ("h", "h_out")],
    "update gate": [("u", "keep"), ("h_prev", "keep"), ("keep", "h"), ("u", "one_minus"),
                    ("one_minus", "take"), ("cand", "take"), ("take", "h")],
    "reset gate": [("r", "rh"), ("h_prev", "rh"), ("rh", "rhx"), ("rhx", "cand")],
}


def edges(cell: dict) -> list[tuple[str, str]]:
    """Every edge (source, target) of a cell graph, one per argument of each node."""
    return [(a, name) for name, node in cell.items() for a in node.args]


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def evaluate(cell: dict, weights: dict, **inputs) -> dict:
    """Run the diagram: the value of every node, given the weights and the input nodes' values.

    ``weights`` holds ``W_g`` (n, n+m) and ``b_g`` (n,) for each gate ``g`` of the diagram (the dicts of
    ``random_lstm_weights`` / ``random_gru_weights``); ``inputs`` gives each ``input`` node a vector, e.g.
    ``evaluate(LSTM_CELL, w, h_prev=h, c_prev=c, x=x)``. Nodes are computed in the order they are listed
    (each reads only nodes above it). Returns ``{name: value}``.
    """
    values = {}
    for name, node in cell.items():
        if node.op not in OPS:
            raise ValueError(f"evaluate: node {name!r} has an unknown op {node.op!r}; expected one of {sorted(OPS)}")
        missing = [a for a in node.args if a not in values]
        if missing:
            raise ValueError(f"evaluate: node {name!r} reads {missing} before they are computed")
        args = [values[a] for a in node.args]
        if node.op == "input":
            if name not in inputs:
                raise ValueError(f"evaluate: the input node {name!r} needs a value; got inputs {sorted(inputs)}")
            values[name] = np.asarray(inputs[name], dtype=float)
        elif node.op == "concat":
            values[name] = np.concatenate(args, axis=-1)
        elif node.op in ("sigmoid", "tanh_affine"):
            W, b = weights[f"W_{node.gate}"], weights[f"b_{node.gate}"]
            a = args[0] @ np.asarray(W).T + b
            values[name] = _sigmoid(a) if node.op == "sigmoid" else np.tanh(a)
        elif node.op == "tanh":
            values[name] = np.tanh(args[0])
        elif node.op == "mul":
            values[name] = args[0] * args[1]
        elif node.op == "add":
            values[name] = args[0] + args[1]
        elif node.op == "one_minus":
            values[name] = 1.0 - args[0]
        else:  # output
            values[name] = args[0]
    return values


def _box(ax, node: Node, colour_edge: str):
    face, shape = STYLE[node.op]
    style = "round,pad=0.25" if shape == "box" else "circle,pad=0.12"
    if node.op in ("input", "output", "concat"):
        style = "round,pad=0.2"
    ax.text(*node.xy, node.label, ha="center", va="center", fontsize=10, zorder=3,
            bbox=dict(boxstyle=style, fc=face, ec=colour_edge, lw=1.3))


def draw_cell(ax, cell: dict, highlight: str | None = None, paths: dict | None = None, title: str = ""):
    """Draw a cell graph on ``ax``; with ``highlight`` (a key of ``paths``), draw that path in red.

    ``paths`` defaults to :data:`LSTM_PATHS` for :data:`LSTM_CELL` and :data:`GRU_PATHS` for
    :data:`GRU_CELL`. Returns the set of highlighted edges.
    """
    if paths is None:
        paths = LSTM_PATHS if cell is LSTM_CELL else GRU_PATHS if cell is GRU_CELL else {}
    if highlight is not None and highlight not in paths:
        raise ValueError(f"draw_cell: highlight must be one of {sorted(paths)}, got {highlight!r}")
    lit = set(paths[highlight]) if highlight else set()
    lit_nodes = {n for e in lit for n in e}
    for src, dst in edges(cell):
        on = (src, dst) in lit
        ax.annotate("", xy=cell[dst].xy, xytext=cell[src].xy, zorder=2 if on else 1,
                    arrowprops=dict(arrowstyle="-|>", color=HIGHLIGHT if on else "#888888",
                                    lw=2.6 if on else 1.1, shrinkA=12, shrinkB=12))
    for name, node in cell.items():
        _box(ax, node, HIGHLIGHT if name in lit_nodes else "#555555")
    xs = [n.xy[0] for n in cell.values()]
    ys = [n.xy[1] for n in cell.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return lit


KEY = (r"orange: $\sigma(W_g[h_{t-1};x_t]+b_g)$    purple: $\tanh$ (of an affine map, or of $c_t$)    "
       r"$\odot$: elementwise product")


def plot_lstm_diagrams(fig):
    """The LSTM cell four times, highlighting the cell state and the paths of the forget, input and output gates."""
    axes = fig.subplots(2, 2)
    for ax, name in zip(axes.ravel(), LSTM_PATHS):
        draw_cell(ax, LSTM_CELL, highlight=name, title=name)
    fig.text(0.5, 0.01, KEY, ha="center", fontsize=9)
    return axes


def plot_gru_diagrams(fig):
    """The GRU cell three times, highlighting the state's path, the update gate's and the reset gate's."""
    axes = fig.subplots(len(GRU_PATHS), 1)
    for ax, name in zip(axes, GRU_PATHS):
        draw_cell(ax, GRU_CELL, highlight=name, title=name)
    fig.text(0.5, 0.01, KEY.replace(" (of an affine map, or of $c_t$)", ""), ha="center", fontsize=9)
    return axes
