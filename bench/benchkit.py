"""What every benchmark shares: timers, a Markdown table printer, and the one place results are written.

Every ``bench_*.py`` imports it (``from benchkit import ...``; each script puts ``bench/`` on the
path) and writes only under ``bench/results/``.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"

if str(ROOT) not in sys.path:  # the benchmarks import lecturelib from this checkout
    sys.path.insert(0, str(ROOT))


def load_average() -> float:
    """The machine's one-minute load average (NaN where the platform has none): taken at a bench's
    start, it says how busy the machine was while the timings were taken."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def provenance(script: str, load: float, seconds: float, threads: int | None = None, versions: str = "") -> str:
    """The sentence that ends every stored table's caption: which script, when, on what, how busy, how long.

    ``script`` is the command as run (``"bench/bench_lstm.py"``), ``load`` the :func:`load_average` at the
    start, ``threads`` torch's thread count if the script set one, ``versions`` any library versions besides
    torch's (``", numpy 2.1.3"``).
    """
    import torch

    cores = f"{os.cpu_count()} cores" + (f", {threads} torch thread(s)" if threads is not None else "")
    return (f"Produced by {script} on {datetime.date.today().isoformat()} with torch {torch.__version__}{versions} "
            f"on {platform.machine()} ({cores}, load average {load:.1f} at the start), in {seconds:.0f} s.")


def timed(fn: Callable[[], object]):
    """``(result, seconds)`` of one call, wall clock."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def seconds(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    return timed(fn)[1]


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """The shortest of ``repeats`` calls (the least disturbed by other load)."""
    return min(seconds(fn) for _ in range(repeats))


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """The median of ``repeats`` calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    return statistics.median(seconds(fn) for _ in range(repeats))


def round_robin(variants: dict[str, Callable[[], object]], repeats: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds of every variant, timed in turns so that a burst of load hits them all alike."""
    for _ in range(warmup):  # first calls pay for page faults and lazy initialisation
        for fn in variants.values():
            fn()
    times = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            times[name].append(seconds(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def markdown_table(header: list[str], rows: list[list], right: set[int] | None = None) -> str:
    """A Markdown table from a header and rows of formatted cells; columns in ``right`` (indices) are
    right-aligned, the rest left-aligned."""
    right = set() if right is None else right
    rule = "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def publish(name: str, results: dict) -> Path:
    """Print ``results["table"]`` and its caption ``results["settings"]``, and write ``results`` to
    ``bench/results/<name>``, from where a run is copied to lecturelib/data to appear in the book."""
    print(results["table"])
    print()
    print(results["settings"])
    return write_result(name, results)


def write_result(name: str, data: dict) -> Path:
    """Write ``data`` as JSON to ``bench/results/<name>`` (the only place benchmarks write); return the path."""
    path = RESULTS / name
    if path.resolve().parent != RESULTS:
        raise ValueError(f"name: expected a plain file name under bench/results, got {name!r}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str))
    return path
