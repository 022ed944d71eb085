"""Run every benchmark and write one report: bench/results/report.json and report.md.

    python bench/run_all.py                 # everything (tens of minutes on 2 cores)
    python bench/run_all.py --skip-build    # without the two book builds
    python bench/run_all.py --only lstm transposed_conv   # re-run these, keep the rest of the report

The report holds
* each chapter's execution time (from Jupyter Book's execution cache of a cold build),
* the cold and the cached (nothing changed) book build times,
* every ``bench/bench_*.py``: the Markdown its ``main()`` prints (kernel ratios against
  PyTorch, training demos' time to target, ...) and the dict it returns.
Run it on an otherwise idle machine; compare ratios within one run, not across machines.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import RESULTS, ROOT, markdown_table, timed  # noqa: E402
from lecturelib.training import smooth  # noqa: E402


def book_builds() -> dict:
    """A cold build (empty cache: every chapter executes) then a cached one (nothing changed)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # it would hide every figure
    env["LECTURELIB_STATIC"] = "1"
    out = Path(tempfile.mkdtemp(prefix="bench-build-"))
    timings = {}
    jupyter_book = Path(sys.executable).parent / "jupyter-book"  # the CLI of this environment
    for name in ("cold", "cached"):
        _, took = timed(lambda: subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out)],
                                               check=True, env=env, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL))
        timings[f"{name}_build_s"] = round(took, 1)
    from jupyter_cache import get_cache

    chapters = {}
    for record in get_cache(out / "_build" / ".jupyter_cache").list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        chapters[Path(record.uri).stem] = round(seconds, 1) if seconds is not None else None
    timings["chapter_execution_s"] = dict(sorted(chapters.items()))
    return timings


def run_bench(path: Path) -> dict:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    printed = io.StringIO()
    argv = sys.argv
    sys.argv = [str(path)]  # a bench's own argparse must see no options of ours

    def load_and_run():
        try:
            with contextlib.redirect_stdout(printed):
                spec.loader.exec_module(module)
                return module.main(), None
        except Exception as exc:  # one broken benchmark must not hide the others
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            sys.argv = argv

    (result, error), took = timed(load_and_run)
    return {"seconds": round(took, 1), "printed": printed.getvalue(), "result": result, "error": error}


def time_to_target(recipes: dict, every: int = 10, window: int = 5) -> str:
    """Steps and seconds each recipe run took to reach its target (the recipes bench's
    'solved': loss below 0.1 x the memoryless baseline), from the stored loss curves.
    A run's seconds are spread evenly over its steps, so the time is an estimate."""
    rows = []
    for row, curves in zip(recipes["rows"], recipes["curves_every_10_steps"].values()):
        target = 0.1 * row["final_loss"] / row["vs_baseline"]
        steps = []
        for curve in curves:
            hit = next((i for i, v in enumerate(smooth(curve, window)) if v < target), None)
            steps.append(None if hit is None else (hit + 1) * every)
        total = len(curves[0]) * every
        shown = ", ".join("not reached" if n is None else str(n) for n in steps)
        secs = ", ".join("-" if n is None else f"{row['seconds'] * n / total:.0f}" for n in steps)
        rows.append([row["task"], row["recipe"], shown, secs])
    return markdown_table(["task", "recipe", "steps to target, per seed", "seconds to target, per seed"], rows)


def markdown(report: dict) -> str:
    lines = [f"# Benchmark report", "", f"{report['machine']}, {report['date']}.", ""]
    if "build" in report:
        b = report["build"]
        lines += ["## Book build", "", "| build | seconds |", "|---|---:|",
                  f"| cold (every chapter executed) | {b['cold_build_s']} |",
                  f"| cached (nothing changed) | {b['cached_build_s']} |", "",
                  "## Chapter execution", "", "| chapter | seconds |", "|---|---:|"]
        lines += [f"| {name} | {s} |" for name, s in b["chapter_execution_s"].items()]
        lines.append("")
    for name, bench in report["benches"].items():
        lines += [f"## {name}", "", f"(ran in {bench['seconds']} s)", ""]
        lines += [f"**failed**: {bench['error']}", ""] if bench["error"] else [bench["printed"].strip(), ""]
        result = bench.get("result") or {}
        if name == "recipes" and "curves_every_10_steps" in result:
            lines += ["Time to target (loss below 0.1 x baseline, 50-step running mean):", "",
                      time_to_target(result), ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--only", nargs="*", help="bench names (bench_<name>.py) to run")
    parser.add_argument("--report-only", action="store_true", help="rewrite report.md from report.json")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        text = markdown(json.loads((RESULTS / "report.json").read_text()))
        (RESULTS / "report.md").write_text(text)
        print(text)
        return None
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "benches": {}}
    previous = RESULTS / "report.json"
    if args.only and previous.exists():  # update the named entries of the last report
        old = json.loads(previous.read_text())
        report["benches"] = old.get("benches", {})
        if "build" in old:
            report["build"] = old["build"]
    if not args.skip_build:
        print("bench: building the book twice (cold, cached)...", flush=True)
        report["build"] = book_builds()
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        print(f"bench: {name}...", flush=True)
        report["benches"][name] = run_bench(path)
    (RESULTS / "report.json").write_text(json.dumps(report, indent=2, default=str))
    text = markdown(report)
    (RESULTS / "report.md").write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
