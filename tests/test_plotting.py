"""The shared diagrams draw what they claim, and reject what they cannot draw."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Circle, FancyArrowPatch

from lecturelib.plotting import draw_recurrent_graph, draw_unrolled_rnn, HIGHLIGHT
from lecturelib.rnn import LECTURE_W_REC

matplotlib.use("agg")


def test_recurrent_graph_has_one_arrow_per_off_diagonal_weight():
    fig, ax = plt.subplots()
    draw_recurrent_graph(LECTURE_W_REC, ax)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    off_diagonal = np.count_nonzero(LECTURE_W_REC - np.diag(np.diag(LECTURE_W_REC)))
    assert len(arrows) == off_diagonal
    loops = [p for p in ax.patches if isinstance(p, Circle) and not p.get_fill()]
    assert len(loops) == np.count_nonzero(np.diag(LECTURE_W_REC))
    plt.close(fig)


@pytest.mark.parametrize("loss, n_losses", [("every", 3), ("last", 1)])
def test_unrolled_graph_highlights_only_the_named_weight(loss, n_losses):
    fig, ax = plt.subplots()
    draw_unrolled_rnn(3, ax, loss=loss, highlight={"W_rec"})
    labels = [t.get_text() for t in ax.texts]
    assert sum(l.startswith("$L_") for l in labels) == n_losses
    red = [t.get_text() for t in ax.texts if matplotlib.colors.same_color(t.get_color(), HIGHLIGHT)]
    assert red and set(red) == {"$W_{rec}$"}
    plt.close(fig)


def test_diagram_arguments_are_checked():
    with pytest.raises(ValueError, match="W_rec: expected shape"):
        draw_recurrent_graph(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="loss: expected 'every' or 'last'"):
        draw_unrolled_rnn(3, loss="first")
    with pytest.raises(ValueError, match="highlight: unknown weight names"):
        draw_unrolled_rnn(3, highlight={"W_hh"})
