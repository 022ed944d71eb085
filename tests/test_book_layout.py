"""The book's structure: table of contents, Colab cells, stripped notebooks, and
exercise solutions in the notebooks identical to the checked reference solutions."""
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from exercise_utils import all_exercises

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import nbtool  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def _toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_toc_lists_exactly_the_chapters_in_order():
    listed = _toc_files()
    assert listed == sorted(listed), "chapters in _toc.yml are out of lecture order"
    assert listed == [f"chapters/{p.stem}" for p in NOTEBOOKS]


def test_config_names_the_repository_once_and_the_extensions():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"].startswith("https://github.com/")
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    extensions = config["sphinx"]["extra_extensions"]
    for name in ("sphinx_exercise", "sphinx_togglebutton", "sphinx-mathjax-offline"):
        assert name in extensions
    assert config["execute"]["execute_notebooks"] == "cache" and config["execute"]["timeout"] >= 60


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_is_the_colab_setup_for_the_configured_repository(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.source == nbtool.colab_cell().source
    assert "remove-cell" in first.metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_committed_without_outputs_except_checked_cells(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not nbtool.is_checked(cell):
            assert not cell.outputs and cell.execution_count is None, cell.source[:60]
    checked = [c for c in nb.cells if nbtool.is_checked(c)]
    assert checked, "no cell tagged nbval-check-output: nbval would compare nothing"
    for cell in checked:
        assert cell.outputs, f"checked cell without a stored output: {cell.source[:60]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_checked_cells_are_marked_by_tag_not_by_a_comment_readers_see(path):
    # nbval also honours a '# NBVAL_CHECK_OUTPUT' comment, but the book would show it to readers.
    nb = nbformat.read(path, as_version=4)
    marked = [c.source[:60] for c in nb.cells if "NBVAL" in c.source]
    assert not marked, f"nbval comments in cell sources (use the nbval-check-output tag): {marked}"


SOLUTION = re.compile(r"::::\{solution\}\s*(\S+).*?```python\n(.*?)```", re.S)
EXERCISE = re.compile(r":::\{exercise\}.*?\n:label:\s*(\S+)", re.S)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_in_the_book_are_the_checked_reference_solutions(path):
    by_label = {e.label: e for e in all_exercises()}
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    labels = EXERCISE.findall(markdown)
    solutions = dict(SOLUTION.findall(markdown))
    assert labels, "a chapter without exercises"
    for label in labels:
        assert label in by_label, f"{label}: no Exercise with this label in lecturelib.exercises"
        assert label in solutions, f"{label}: no solution block in the chapter"
        assert solutions[label].strip() == by_label[label].solution_text, f"{label}: solution text differs"
