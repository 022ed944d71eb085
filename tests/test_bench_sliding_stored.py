"""Chapter 8's stored bench run (lecturelib/data/bench_sliding.json, from bench/bench_sliding.py): its table
must be the table of the measurements stored with it, and its counts must be what sliding_window_cost counts."""
import importlib.util
import json
from importlib import resources
from pathlib import Path

import pytest

from lecturelib.segmentation import sliding_window_cost

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_sliding", BENCH / "bench_sliding.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stored():
    return json.loads(resources.files("lecturelib").joinpath("data", "bench_sliding.json").read_text())


def test_stored_table_is_the_table_of_the_stored_rows(bench, stored):
    assert stored["table"] == bench.make_table(stored["rows"])
    assert "bench/bench_sliding.py" in stored["settings"]
    assert f"best of {stored['repeats']} calls" in stored["settings"]


def test_stored_speedups_and_counts_follow_from_the_rows(stored):
    size = stored["size"]
    for row in stored["rows"]:
        assert row["speedup"] == pytest.approx(row["sliding_s"] / row["fully_conv_s"])
        cost = sliding_window_cost(size, size, row["window"])
        assert (row["forward_passes"], row["recompute_max"]) == (cost["forward_passes"], cost["recompute_max"])
        assert row["forward_passes"] == size * size and row["recompute_max"] == row["window"] ** 2
        assert row["max_abs_diff"] < 1e-4  # the two ways gave the same scores
