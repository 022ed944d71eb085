"""Guards for the README's promise: the test command passes on a fresh machine, and its
strict build step really executes every notebook.

Both failed once while CI stayed green: the browser fixtures asserted that Chromium was on
PATH before they looked for a built book (so `pytest tests` errored on a machine without
Chromium), and a strict build after an earlier build executed nothing at all.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_browser_tests_skip_on_a_machine_without_chromium(tmp_path):
    """`pytest tests/browser` with no Chromium reachable and no --book-html: every test is
    reported skipped with its reason, none errors."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if k != "CHROMIUM"}
    env["PATH"] = str(bindir)  # nothing else: no chromium, chromium-browser or google-chrome
    assert shutil.which("chromium", path=env["PATH"]) is None
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert "error" not in out.splitlines()[-1], out[-3000:]
    assert " skipped" in out.splitlines()[-1] and "passed" not in out.splitlines()[-1], out[-3000:]
    assert "need --book-html" in out, out[-3000:]


def _tiny_book(folder: Path) -> None:
    (folder / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\n"
        "exclude_patterns: [_build]\n"
        "execute:\n  execute_notebooks: cache\n  timeout: 60\n")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (folder / "intro.md").write_text("# Tiny\n\nA book with one notebook.\n")
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Page"},
                  {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": "print(6 * 7)"}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}
    (folder / "page.ipynb").write_text(json.dumps(notebook))


@pytest.mark.skipif(shutil.which("jupyter-book") is None, reason="jupyter-book is not installed")
def test_strict_build_executes_every_notebook_each_time(tmp_path):
    """scripts/jb_build.sh BOOK --strict, twice in a row on the same folder: the second run
    must execute the notebook again (a cleared cache alone let Sphinx skip it)."""
    _tiny_book(tmp_path)
    for attempt in (1, 2):
        result = subprocess.run(["bash", str(ROOT / "scripts" / "jb_build.sh"), str(tmp_path), "--strict"],
                                capture_output=True, text=True, timeout=600)
        log = result.stdout + result.stderr
        assert result.returncode == 0, log[-3000:]
        assert log.count("Executed notebook in") == 1, f"run {attempt}:\n{log[-3000:]}"
    assert "42" in (tmp_path / "_build" / "html" / "page.html").read_text()
