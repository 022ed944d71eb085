"""The chapters' code stays within 80 columns, the width a code cell shows on one line at a
1280 px screen (tests/browser/test_reader.py checks that room in the built book)."""
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_code_lines_fit_80_columns(path):
    cells = nbformat.read(path, as_version=4).cells
    # The first cell is the Colab set-up cell, written by scripts/nbtool.py colab_cell and
    # removed from the book (tag remove-cell); its repository URL alone is longer than 80.
    long = [(i, line) for i, cell in enumerate(cells[1:], start=1) if cell.cell_type == "code"
            for line in cell.source.split("\n") if len(line) > 80]
    assert not long, f"code lines over 80 columns (cell index, line): {long[:5]}"
