"""Notebook chores for authors.

    python scripts/nbtool.py from-py SRC.py OUT.ipynb   # percent-format script -> notebook
    python scripts/nbtool.py refresh NB.ipynb [...]     # execute; keep outputs only in checked cells
    python scripts/nbtool.py strip NB.ipynb [...]       # drop outputs except in checked cells
    python scripts/nbtool.py run NB.ipynb OUT.ipynb     # execute as is (no environment defaults), save to OUT
    python scripts/nbtool.py colab-cell NB.ipynb [...]  # rewrite the first cell (after a repository change)
    python scripts/nbtool.py check NB.ipynb TEXT        # mark the code cell containing TEXT as checked

Chapters are committed without outputs, except cells tagged ``nbval-check-output`` (nbval's
own cell tag, invisible to readers), whose stored output nbval compares (``pytest --nbval-lax``).
``python scripts/nbtool.py check NB.ipynb "SOURCE TEXT"`` tags the code cell containing SOURCE TEXT. ``from-py`` reads
``# %%`` code cells, ``# %% [markdown]`` cells (each line prefixed by ``# ``) and
``# %% tags=["a", "b"]``, and puts the Colab set-up cell first (see colab_cell()).
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHECK = "nbval-check-output"   # nbval's cell tag: compare this cell's stored output


def is_checked(cell) -> bool:
    """True for a code cell whose output nbval compares (tagged ``nbval-check-output``)."""
    return cell.cell_type == "code" and CHECK in cell.get("metadata", {}).get("tags", [])


def repository_url() -> str:
    """The repository named in _config.yml (the one place it is written)."""
    text = (ROOT / "_config.yml").read_text()
    match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", text, re.M)
    if not match:
        raise SystemExit("_config.yml has no repository: url: entry")
    return match.group(1)


def colab_cell() -> nbformat.NotebookNode:
    source = (
        "# Set-up for Colab: install lecturelib when this kernel lacks it; does nothing otherwise.\n"
        "import importlib.util, os, subprocess, sys\n"
        "if importlib.util.find_spec(\"lecturelib\") is None:\n"
        f"    source = os.environ.get(\"LECTURELIB_SOURCE\", \"git+{repository_url()}.git\")\n"
        "    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"--quiet\", source], check=True)\n"
        "    importlib.invalidate_caches()"
    )
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})


def from_py(src: Path, out: Path) -> None:
    cells, kind, tags, lines = [], None, [], []

    def flush():
        if kind is None:
            return
        text = "\n".join(lines).strip("\n")
        if not text:
            return
        meta = {"tags": tags} if tags else {}
        if kind == "markdown":
            text = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in text.split("\n"))
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=meta))
        else:
            cells.append(nbformat.v4.new_code_cell(text, metadata=meta))

    for line in src.read_text().split("\n"):
        if line.startswith("# %%"):
            flush()
            rest = line[4:].strip()
            kind = "markdown" if rest.startswith("[markdown]") else "code"
            m = re.search(r"tags=(\[.*?\])", rest)
            tags, lines = (json.loads(m.group(1)) if m else []), []
        elif kind is not None:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=[colab_cell(), *cells])
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}, "colab": {"provenance": []}}
    nbformat.write(nb, out)
    print(f"wrote {out} ({len(nb.cells)} cells)")


def strip(nb) -> None:
    """Drop outputs and execution counts, except in cells tagged nbval-check-output:
    those keep both (nbval treats a cell with outputs but no count as never run)."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if is_checked(cell) and cell.outputs:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = count
        else:
            cell.execution_count = None
            cell.outputs = []


def execute(path: Path):
    """Execute a notebook in its own folder with the python3 kernel of this environment."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def refresh(path: Path) -> None:
    """Execute ``path`` and store the outputs of its checked cells.

    The notebook is read again after the run and only the outputs are copied in, cell by
    cell (matched by source), so an edit made to the file while it executed is kept.
    """
    os.environ.setdefault("LECTURELIB_STATIC", "1")
    ran = execute(path)
    strip(ran)
    outputs = {cell.source: (cell.outputs, cell.execution_count)
               for cell in ran.cells if cell.cell_type == "code"}
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source in outputs:
            cell.outputs, cell.execution_count = outputs[cell.source]
    nbformat.write(nb, path)
    print(f"refreshed {path}")


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[0], [Path(a) for a in argv[1:]]
    if cmd == "from-py" and len(args) == 2:
        from_py(*args)
    elif cmd == "refresh":
        for p in args:
            refresh(p)
    elif cmd == "run" and len(args) == 2:
        nbformat.write(execute(args[0]), args[1])
    elif cmd == "colab-cell":
        for p in args:
            nb = nbformat.read(p, as_version=4)
            if "LECTURELIB_SOURCE" not in nb.cells[0].source:
                raise SystemExit(f"{p}: the first cell is not the Colab set-up cell")
            nb.cells[0] = colab_cell()
            nbformat.write(nb, p)
    elif cmd == "check" and len(argv) == 3:
        nb = nbformat.read(args[0], as_version=4)
        found = [c for c in nb.cells if c.cell_type == "code" and argv[2] in c.source]
        if len(found) != 1:
            raise SystemExit(f"{args[0]}: expected one code cell containing {argv[2]!r}, found {len(found)}")
        tags = found[0].metadata.setdefault("tags", [])
        if CHECK not in tags:
            tags.append(CHECK)
        nbformat.write(nb, args[0])
        print(f"{args[0]}: tagged {CHECK}; run `nbtool.py refresh` to store its output")
    elif cmd == "strip":
        for p in args:
            nb = nbformat.read(p, as_version=4)
            strip(nb)
            nbformat.write(nb, p)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
