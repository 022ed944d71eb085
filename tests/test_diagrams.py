"""lecturelib.diagrams: the drawn LSTM/GRU cells compute the lecture's equations, and the highlighted paths exist."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecturelib import diagrams  # noqa: E402
from lecturelib.gru import gru_step, random_gru_weights  # noqa: E402
from lecturelib.lstm import lstm_step, random_lstm_weights  # noqa: E402


@pytest.mark.parametrize("seed", range(5))
def test_lstm_diagram_computes_lstm_step(seed):
    rng = np.random.default_rng(seed)
    n, m = 3 + seed, 2 + seed % 3
    w = random_lstm_weights(m, n, seed=seed, scale=1.0)
    h, c, x = rng.normal(size=n), rng.normal(size=n), rng.normal(size=m)
    values = diagrams.evaluate(diagrams.LSTM_CELL, w, h_prev=h, c_prev=c, x=x)
    h_ref, c_ref = lstm_step(h, c, x, w)
    np.testing.assert_allclose(values["h_out"], h_ref, rtol=1e-12)
    np.testing.assert_allclose(values["c_out"], c_ref, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_gru_diagram_computes_the_lectures_gru_step(seed):
    rng = np.random.default_rng(seed)
    n, m = 3 + seed, 2 + seed % 3
    w = random_gru_weights(m, n, seed=seed, scale=1.0)
    h, x = rng.normal(size=n), rng.normal(size=m)
    values = diagrams.evaluate(diagrams.GRU_CELL, w, h_prev=h, x=x)
    np.testing.assert_allclose(values["h_out"], gru_step(h, x, w, "before"), rtol=1e-12)
    # and not PyTorch's reset-after form, which differs in general
    w_after = dict(w, b_rh=np.zeros(n))
    assert not np.allclose(values["h_out"], gru_step(h, x, w_after, "after"))


def test_a_miswired_diagram_is_caught():
    # swapping which input the forget gate multiplies (the candidate instead of the old cell) changes the numbers
    wrong = dict(diagrams.LSTM_CELL)
    wrong["keep"] = diagrams.Node("mul", ("v", "f"), wrong["keep"].xy, wrong["keep"].label)
    rng = np.random.default_rng(0)
    w = random_lstm_weights(2, 3, seed=0, scale=1.0)
    h, c, x = rng.normal(size=3), rng.normal(size=3), rng.normal(size=2)
    values = diagrams.evaluate(wrong, w, h_prev=h, c_prev=c, x=x)
    assert not np.allclose(values["c_out"], lstm_step(h, c, x, w)[1])


@pytest.mark.parametrize("cell, paths", [(diagrams.LSTM_CELL, diagrams.LSTM_PATHS),
                                         (diagrams.GRU_CELL, diagrams.GRU_PATHS)])
def test_every_highlighted_edge_is_an_edge_of_the_cell(cell, paths):
    all_edges = set(diagrams.edges(cell))
    for name, path in paths.items():
        assert set(path) <= all_edges, (name, set(path) - all_edges)


@pytest.mark.parametrize("cell, paths, gates", [
    (diagrams.LSTM_CELL, diagrams.LSTM_PATHS, {"forget gate": "f", "input gate": "i", "output gate": "o"}),
    (diagrams.GRU_CELL, diagrams.GRU_PATHS, {"update gate": "u", "reset gate": "r"})])
def test_each_gate_path_starts_at_the_gate_and_feeds_a_product(cell, paths, gates):
    for name, gate in gates.items():
        from_gate = [e for e in paths[name] if e[0] == gate]
        assert from_gate, name
        # the gate acts by multiplying: its path enters a product node (directly or through 1 - u)
        targets = {dst for _, dst in from_gate}
        assert any(cell[t].op == "mul" for t in targets) or any(
            cell[t].op == "one_minus" for t in targets), name


def test_the_cell_state_path_has_no_weight_matrix():
    # the LSTM's highway: from c_{t-1} to c_t only a product with f and a sum
    ops = {diagrams.LSTM_CELL[n].op for e in diagrams.LSTM_PATHS["cell state"] for n in e}
    assert ops == {"input", "mul", "add", "output"}


def test_draw_cell_highlights_and_rejects_unknown_paths():
    fig, ax = plt.subplots()
    lit = diagrams.draw_cell(ax, diagrams.LSTM_CELL, highlight="forget gate")
    assert lit == set(diagrams.LSTM_PATHS["forget gate"])
    with pytest.raises(ValueError, match="highlight"):
        diagrams.draw_cell(ax, diagrams.LSTM_CELL, highlight="reset gate")
    plt.close(fig)


def test_plot_functions_make_one_panel_per_path():
    fig = plt.figure()
    assert diagrams.plot_lstm_diagrams(fig).size == len(diagrams.LSTM_PATHS)
    fig2 = plt.figure()
    assert len(diagrams.plot_gru_diagrams(fig2)) == len(diagrams.GRU_PATHS)
    plt.close("all")


def test_evaluate_names_a_missing_input():
    w = random_lstm_weights(2, 3, seed=0)
    with pytest.raises(ValueError, match="c_prev"):
        diagrams.evaluate(diagrams.LSTM_CELL, w, h_prev=np.zeros(3), x=np.zeros(2))
