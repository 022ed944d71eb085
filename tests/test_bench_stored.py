"""Stored bench runs that chapters show: each table must be the table of the measurements stored with it.

Chapter 3 displays ``lecturelib/data/bench_adding.json`` (bench/bench_adding.py), chapter 5
``bench_gru_lstm_claims.json`` (bench/bench_gru_lstm_claims.py) and chapter 8 ``bench_sliding.json``
(bench/bench_sliding.py), and each asserts its prose against them.
These tests check that a stored file is internally consistent: its table is what the bench script makes
of the raw results stored beside it (so a hand-edited number or verdict fails), and derived counts follow
from the raw numbers and the task's baseline.
"""
import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

from lecturelib.recipes import ADDING_RECIPES
from lecturelib.segmentation import sliding_window_cost
from lecturelib.tasks import ADDING_BASELINE_MSE

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_stored(name: str) -> dict:
    return json.loads(resources.files("lecturelib").joinpath("data", name).read_text())


@pytest.fixture(scope="module")
def bench():
    return load_bench("bench_adding")


@pytest.fixture(scope="module")
def stored():
    return load_stored("bench_adding.json")


def test_stored_run_covers_every_recipe_at_each_length(stored):
    lengths = sorted({r["T"] for r in stored["rows"]})
    assert [(r["T"], r["recipe"]) for r in stored["rows"]] == [(T, k) for T in lengths for k in ADDING_RECIPES]
    assert all(len(r["final_mse"]) == len(r["ratio"]) == len(r["seconds"]) == len(stored["seeds"])
               for r in stored["rows"])


def test_stored_solved_counts_follow_from_the_final_mse(stored):
    assert stored["baseline"] == pytest.approx(ADDING_BASELINE_MSE)
    for row in stored["rows"]:
        assert row["solved"] == sum(v < ADDING_BASELINE_MSE / 10 for v in row["final_mse"]), row


def test_stored_table_is_the_table_of_the_stored_results(bench, stored):
    assert stored["table"] == bench.table(stored)
    assert "bench/bench_adding.py" in stored["settings"]
    assert f"{stored['steps']} Adam steps" in stored["settings"]


def test_a_tiny_run_gives_one_row_per_recipe(bench):
    results = bench.run(lengths=(5,), steps=200, seeds=(0,), n_hidden=4, verbose=False)
    assert [r["recipe"] for r in results["rows"]] == list(ADDING_RECIPES)
    table = bench.table(results)
    assert table.count("\n| 5 |") == len(ADDING_RECIPES)
    for row in results["rows"]:
        assert row["solved"] in (0, 1) and row["final_mse"][0] >= 0


def test_stored_claims_table_follows_from_its_measurements():
    """Chapter 5's GRU-versus-LSTM table: rows and verdicts recomputed from the stored raw measurements."""
    claims = load_bench("bench_gru_lstm_claims")
    stored = load_stored("bench_gru_lstm_claims.json")
    raw, config = stored["raw"], stored["config"]
    length = {k: {int(d): v for d, v in by.items()} for k, by in raw["echo_steps"].items()}
    rows = claims.make_rows(raw["memory"], raw["computation"], raw["adding_steps"], length,
                            tuple(config["delays"]), tuple(config["seeds"]))
    assert rows == stored["rows"]
    assert claims.make_table(rows) == stored["table"]
    assert "--quick" not in stored["settings"]  # a smoke run is never published
    assert len(config["seeds"]) >= 2


def test_stored_sliding_table_is_the_table_of_the_stored_rows():
    sliding = load_bench("bench_sliding")
    stored = load_stored("bench_sliding.json")
    assert stored["table"] == sliding.make_table(stored["rows"])
    assert "bench/bench_sliding.py" in stored["settings"]
    assert f"best of {stored['repeats']} calls" in stored["settings"]


def test_stored_sliding_speedups_and_counts_follow_from_the_rows():
    stored = load_stored("bench_sliding.json")
    size = stored["size"]
    for row in stored["rows"]:
        assert row["speedup"] == pytest.approx(row["sliding_s"] / row["fully_conv_s"])
        cost = sliding_window_cost(size, size, row["window"])
        assert (row["forward_passes"], row["recompute_max"]) == (cost["forward_passes"], cost["recompute_max"])
        assert row["forward_passes"] == size * size and row["recompute_max"] == row["window"] ** 2
        assert row["max_abs_diff"] < 1e-4  # the two ways gave the same scores
