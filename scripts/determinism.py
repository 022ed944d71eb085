"""Determinism check: every chapter, executed afresh, prints the same numbers as the
book build's own execution of it (kept by Jupyter Book in _build/jupyter_execute).

    python scripts/determinism.py [_build/jupyter_execute]

Compared: every code cell's text output (stdout and text/plain results). Wall-clock
figures are masked (a number followed by s, ms, seconds, it/s, or a speed-up like 3.2x),
since timing is not a result; a cell that is about timing and prints nothing else
stable may say so with the cell tag ``nondeterministic`` (invisible to readers, like nbval's
``nbval-check-output``) or a comment containing NONDETERMINISTIC.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from nbtool import execute  # noqa: E402

TIMING = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:s|ms|µs|us|seconds?|sec|min|it/s|×|x)(?![a-zA-Z])")
HEX_IDS = re.compile(r"[0-9a-f]{32}")


def text_outputs(cell) -> list[str]:
    """The cell's printed text (all stdout chunks joined: the kernel may split a stream
    differently from run to run) and text results, timings masked, spacing collapsed."""
    stdout = "".join(out.text for out in cell.get("outputs", [])
                     if out.output_type == "stream" and out.name == "stdout")
    texts = [stdout] if stdout else []
    for out in cell.get("outputs", []):
        if out.output_type in ("execute_result", "display_data") and "text/plain" in out.data \
                and not any(k.startswith("image/") or k == "text/html" for k in out.data):
            texts.append(out.data["text/plain"])
    return [re.sub(r"[ \t]+", " ", HEX_IDS.sub("<id>", TIMING.sub("<time>", t))) for t in texts]


def compare(built_path: Path, chapter: Path) -> list[str]:
    built = nbformat.read(built_path, as_version=4)
    fresh = execute(chapter)
    problems = []
    pairs = zip([c for c in built.cells if c.cell_type == "code"], [c for c in fresh.cells if c.cell_type == "code"])
    for i, (a, b) in enumerate(pairs):
        if "NONDETERMINISTIC" in a.source or "nondeterministic" in a.get("metadata", {}).get("tags", []):
            continue
        if text_outputs(a) != text_outputs(b):
            problems.append(f"{chapter.name}, code cell {i}: {text_outputs(a)!r} != {text_outputs(b)!r}"[:600])
    return problems


def main(argv):
    built_dir = Path(argv[0] if argv else ROOT / "_build" / "jupyter_execute")
    os.environ.setdefault("LECTURELIB_STATIC", "1")
    problems = []
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        built = built_dir / "chapters" / chapter.name
        if not built.exists():
            problems.append(f"{chapter.name}: no executed copy in {built_dir}")
            continue
        found = compare(built, chapter)
        print(f"determinism: {chapter.name}: {'identical' if not found else 'DIFFERS'}")
        problems += found
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
