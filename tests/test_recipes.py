"""The recipe comparison of chapter 6: budgets, models, tasks, a short run, and the figures' helpers."""
import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402

from lecturelib.recipes import (KINDS, SequenceModel, bench_table, compare_recipes, count_recipe_parameters,  # noqa: E402
                                hidden_for_budget, make_model, markdown_table, plot_recipe_curves, run_recipe,
                                smooth, summary_rows, task_setup)
from lecturelib.rnn import count_module_parameters  # noqa: E402


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("m,k", [(2, 1), (6, 5)])
def test_counts_match_the_modules_and_budgets_are_tight(kind, m, k):
    for n in (1, 7, 20):
        assert count_module_parameters(SequenceModel(kind, m, n, k)) == count_recipe_parameters(kind, m, n, k)
    budget = 1500
    n = hidden_for_budget(kind, m, k, budget)
    model = make_model(kind, m, k, budget)
    assert count_module_parameters(model) <= budget < count_recipe_parameters(kind, m, n + 1, k)
    with pytest.raises(ValueError, match="budget"):
        hidden_for_budget(kind, m, k, 3)


def test_tasks_and_baselines():
    adding = task_setup("adding", T=12, batch_size=5)
    xs, ys = adding["batch_fn"](0)
    assert xs.shape == (12, 5, 2) and ys.shape == (5, 1)
    # the constant answer 1 scores about the stated baseline on a large batch
    big = task_setup("adding", T=12, batch_size=20000)["batch_fn"](1)
    assert adding["loss"](torch.ones(12, 20000, 1), big[1]).item() == pytest.approx(adding["baseline"], rel=0.05)
    copy = task_setup("copy", T=20, batch_size=3)
    xs, ys = copy["batch_fn"](0)
    assert xs.shape == (20, 3, copy["n_in"]) and ys.shape == (20, 3) and int(ys.max()) < copy["n_out"]
    with pytest.raises(ValueError, match="task"):
        task_setup("sorting", 10)


def test_a_short_run_logs_the_task_loss_and_omega():
    tasks = {"adding": task_setup("adding", T=8, batch_size=4)}
    results = compare_recipes(tasks, steps=3, budget=300)
    for kind, log in results["adding"].items():
        assert len(log.loss) == 3 and np.all(np.isfinite(log.loss))
        assert log.extra["parameters"] <= 300
    assert "omega" in results["adding"]["rnn"].extra and "omega" not in results["adding"]["lstm"].extra
    # the logged loss is the task loss: recompute it for the first batch with the initial model
    setup = tasks["adding"]
    model = make_model("gru", 2, 1, 300, seed=0)
    first = setup["loss"](model(setup["batch_fn"](0)[0]), setup["batch_fn"](0)[1]).item()
    assert results["adding"]["gru"].loss[0] == pytest.approx(first, rel=1e-5)
    rows = summary_rows(results, tasks, last=2)
    table = markdown_table(rows)
    assert len(rows) == len(KINDS) and "| adding |" in str(table)
    assert table._repr_html_().count("<tr>") == len(KINDS) + 1  # header + one row per recipe
    fig = plot_recipe_curves(results, tasks)
    assert len(fig.axes) == 2
    plt.close(fig)


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(smooth([1, 2, 3, 4], window=2), [1, 1.5, 2.5, 3.5])


def test_bench_table_shows_the_stored_comparison():
    """Chapter 6 shows the table that ships in lecturelib/data: every recipe on both tasks, as HTML."""
    table = bench_table()
    assert str(table).startswith("| task | recipe |")
    assert table._repr_html_().count("<tr>") == 1 + 2 * len(KINDS)  # header + one row per task and recipe
    assert "bench/bench_recipes.py" in table.caption


def test_bench_table_says_when_nothing_is_stored(monkeypatch):
    import lecturelib.recipes as recipes

    monkeypatch.setattr(recipes, "BENCH_FILE", "no_such_results.json")
    assert str(bench_table()).startswith("(No stored results: run `python bench/bench_recipes.py`")


def test_the_rnn_recipe_trains_on_its_own_forward_pass():
    """The vanilla recipe's Ω uses the states of the model's own forward pass: its outputs equal
    SequenceModel.forward, and dL/dh_t reaches every state."""
    torch.manual_seed(0)
    model = SequenceModel("rnn", 2, 5, 1)
    xs = torch.randn(6, 3, 2)
    zs, states = model.forward_with_states(xs)
    torch.testing.assert_close(zs, model(xs), rtol=0, atol=0)
    assert len(states) == 6
    grads = torch.autograd.grad(zs[-1].sum(), states)
    assert all(g.abs().sum() > 0 for g in grads)  # the last output depends on every earlier state


def test_figure_helpers_draw():
    from lecturelib.gru import plot_gates, random_gru_weights
    from lecturelib.lstm import plot_gradient_highway
    from lecturelib.second_order import plot_runs
    from lecturelib.training import TrainingLog

    fig, axes = plt.subplots(1, 2)
    plot_gradient_highway(axes, np.random.default_rng(0).normal(size=(10, 2, 3)), n_hidden=4, forget_biases=[0, 2])
    assert len(axes[0].lines) == 3 and len(axes[1].lines) == 2
    plt.close(fig)
    fig = plt.figure()
    axes = plot_gates(fig, np.random.default_rng(0).normal(size=(6, 2)), random_gru_weights(2, 3), marks=[1, 4])
    assert len(axes) == 3
    plt.close(fig)
    log = TrainingLog(loss=[1.0, 0.5], seconds=[0.1, 0.2], extra={"evaluations": [1, 2]})
    fig, axes = plt.subplots(1, 2)
    plot_runs(axes, {"a": log}, baseline=0.7)
    assert len(axes[0].lines) == 2
    plt.close(fig)
