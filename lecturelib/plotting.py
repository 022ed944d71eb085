"""Figures shared by the chapters: the recurrent graph of a weight matrix and the
unrolled computational graph of an RNN, drawn with matplotlib alone."""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from ._validate import as_array, check_shape

NODE_COLOURS = {"x": "#cfe2f3", "h": "#f9cb9c", "z": "#d9ead3", "L": "#f4cccc"}
HIGHLIGHT = "#cc0000"


def _node(ax, xy, text, colour, r=0.28):
    ax.add_patch(Circle(xy, r, facecolor=colour, edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=11, zorder=4)


def _arrow(ax, a, b, colour="black", rad=0.0, label=None, lw=1.3, shrink=16, label_offset=(0, 0)):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, color=colour, lw=lw,
                                 shrinkA=shrink, shrinkB=shrink, connectionstyle=f"arc3,rad={rad}",
                                 zorder=2))
    if label:
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        # Move the label to the side the arc bulges to.
        dx, dy = b[0] - a[0], b[1] - a[1]
        mx, my = mx + rad * dy * 0.5 + label_offset[0], my - rad * dx * 0.5 + label_offset[1]
        ax.text(mx, my, label, fontsize=8.5, ha="center", va="center", color=colour,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85), zorder=5)


def draw_recurrent_graph(W_rec, ax=None, names=None):
    """Draw the units of a recurrent matrix as a graph: an arrow j -> i labelled
    W_rec[i, j] for every non-zero entry (unit j feeds unit i), self-loops on the diagonal.

    Args:
        W_rec: (n, n) with n up to about 8 for a readable picture.
    """
    W = as_array("W_rec", W_rec, ndim=2)
    n = W.shape[0]
    check_shape("W_rec", W, (n, n), "(n_hidden, n_hidden)")
    ax = ax or plt.gca()
    names = names or [f"$h_{{{i + 1}}}$" for i in range(n)]
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    pos = np.c_[np.cos(angles), np.sin(angles)] * 1.3
    for i in range(n):
        for j in range(n):
            w = W[i, j]
            if w == 0:
                continue
            if i == j:  # self-loop drawn outside the circle of units
                out = pos[i] / np.linalg.norm(pos[i])
                loop = pos[i] + out * 0.55
                ax.add_patch(Circle(loop, 0.22, fill=False, ec="#444444", lw=1.2, zorder=1))
                ax.text(*(pos[i] + out * 0.95), f"{w:g}", ha="center", va="center", fontsize=9)
            else:
                _arrow(ax, pos[j], pos[i], colour="#444444", rad=0.18, label=f"{w:g}", shrink=18)
    for i in range(n):
        _node(ax, pos[i], names[i], NODE_COLOURS["h"])
    ax.set_xlim(-2.4, 2.4)
    ax.set_ylim(-2.4, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_unrolled_rnn(T: int = 3, ax=None, loss: str = "every", highlight: set[str] | frozenset = frozenset()):
    """Draw the RNN unrolled over ``T`` steps: inputs x_t, states h_t, outputs z_t, losses L_t.

    Args:
        loss: ``"every"`` (L = L_1 + ... + L_T) or ``"last"`` (only L_T).
        highlight: weight names among {"W_in", "W_rec", "W_out"} whose edges are drawn in red,
            e.g. to show every path through which the loss reaches W_rec.
    """
    if loss not in ("every", "last"):
        raise ValueError(f"loss: expected 'every' or 'last', got {loss!r}")
    if not isinstance(T, (int, np.integer)) or not 1 <= T <= 8:
        raise ValueError(f"T: expected an integer from 1 to 8 (drawable), got {T!r}")
    unknown = set(highlight) - {"W_in", "W_rec", "W_out"}
    if unknown:
        raise ValueError(f"highlight: unknown weight names {sorted(unknown)}; use W_in, W_rec, W_out")
    ax = ax or plt.gca()
    colour = {w: (HIGHLIGHT if w in highlight else "black") for w in ("W_in", "W_rec", "W_out")}
    xs = np.arange(1, T + 1) * 1.6
    _node(ax, (0, 1), "$h_0$", "#eeeeee")
    for t, x in zip(range(1, T + 1), xs):
        _node(ax, (x, 0), f"$x_{t}$", NODE_COLOURS["x"])
        _node(ax, (x, 1), f"$h_{t}$", NODE_COLOURS["h"])
        _arrow(ax, (x, 0), (x, 1), colour["W_in"], label="$W_{in}$", label_offset=(0.32, 0))
        _arrow(ax, (x - 1.6, 1), (x, 1), colour["W_rec"], label="$W_{rec}$", label_offset=(0, 0.18))
        if loss == "every" or t == T:
            _node(ax, (x, 2), f"$z_{t}$", NODE_COLOURS["z"])
            _node(ax, (x, 3), f"$L_{t}$", NODE_COLOURS["L"])
            _arrow(ax, (x, 1), (x, 2), colour["W_out"], label="$W_{out}$", label_offset=(0.36, 0))
            _arrow(ax, (x, 2), (x, 3))
    total = " + ".join(f"L_{t}" for t in range(1, T + 1)) if loss == "every" else f"L_{T}"
    ax.set_title(f"$L = {total}$", fontsize=11)
    ax.set_xlim(-0.5, xs[-1] + 0.6)
    ax.set_ylim(-0.5, 3.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_states(ax, hs, names=None, title: str = ""):
    """Plot each unit's activation against the time step. ``hs``: (T, n), h_1 ... h_T
    (a row h_0 may be included; the x axis simply counts rows from 0)."""
    hs = as_array("hs", hs, ndim=2)
    names = names or [f"$h_{{t,{i + 1}}}$" for i in range(hs.shape[1])]
    for i in range(hs.shape[1]):
        ax.plot(np.arange(len(hs)), hs[:, i], marker="o", ms=3, label=names[i])
    ax.set_xlabel("time step t")
    ax.set_ylabel("activation")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=min(4, hs.shape[1]))
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_gain_example(fig, gain: float = 1.0, steps: int = 15, h0=(1.0, 0.0, 0.0, 0.0)):
    """The lecture's 4-unit network with its recurrent matrix scaled by ``gain``:
    h_{t+1} = relu(gain · W_rec h_t). Left: each unit over time; right: the norm of h_t
    on a log scale, next to the spectral radius of gain · W_rec."""
    from .rnn import LECTURE_W_REC

    W = gain * LECTURE_W_REC
    h = np.asarray(h0, dtype=float)
    hs = [h]
    for _ in range(steps):
        h = np.maximum(W @ h, 0.0)
        hs.append(h)
    hs = np.array(hs)
    radius = max(abs(np.linalg.eigvals(W)))
    ax1, ax2 = fig.subplots(1, 2)
    plot_states(ax1, hs, title=f"units of relu({gain:.2f} · W_rec h)")
    norms = np.linalg.norm(hs, axis=1)
    ax2.semilogy(np.arange(len(hs)), np.maximum(norms, 1e-12), marker="o", ms=3, color="black")
    ax2.semilogy(np.arange(len(hs)), radius ** np.arange(len(hs)), ls="--", color="grey",
                 label=f"(spectral radius {radius:.2f})$^t$")
    ax2.set_xlabel("time step t")
    ax2.set_ylabel("$\\|h_t\\|$ (log scale)")
    ax2.grid(alpha=0.3, which="both")
    ax2.legend(fontsize=8)
    fig.suptitle(f"gain = {gain:.2f}", fontsize=10)
    fig.tight_layout()
    return fig
