"""Run one Colab-edition notebook as Colab would, and check what a student would get. Used by colab_sim.sh.

    python scripts/colab_run.py NOTEBOOK.ipynb     # run from the folder the notebook is in (like /content)

Runs in the simulated Colab environment (Python 3.13, Colab's versions) with the python3 kernel of that
environment, every cell top to bottom, solutions included (what "Run all" does). It fails when

* a cell raises;
* the first cell's install changed any package besides adding lecturelib (``pip freeze`` before and after);
* an explorer (a cell calling ``explore(``) does not show a live widget whose output holds a figure;
* a training progress bar fell back to text ("IProgress not found") or wrote an error;
* the last cell does not show the progress table.

Prints one summary line last.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def freeze() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                         check=True).stdout
    return {line.split("==")[0].split(" @ ")[0].strip().lower().replace("_", "-"): line
            for line in out.splitlines() if line.strip() and not line.startswith("#")}


def install_changes(before: dict, after: dict) -> list[str]:
    """What the install did besides adding lecturelib (empty when that is all)."""
    changes = [f"added {after[k]}" for k in after.keys() - before.keys() if k != "lecturelib"]
    changes += [f"removed {before[k]}" for k in before.keys() - after.keys()]
    changes += [f"{before[k]} -> {after[k]}" for k in before.keys() & after.keys() if before[k] != after[k]]
    return sorted(changes)


def widget_outputs(cell, models: dict) -> list[dict]:
    """The widget models a cell's outputs display, with their children, depth first."""
    found = []

    def walk(model_id):
        model = models.get(model_id)
        if model is None:
            return
        found.append(model)
        for child in model.get("state", {}).get("children", []):
            walk(str(child).removeprefix("IPY_MODEL_"))

    for out in cell.get("outputs", []):
        view = out.get("data", {}).get(VIEW)
        if view:
            walk(view["model_id"])
    return found


def main(path: str) -> int:
    nb = nbformat.read(path, as_version=4)
    before, after = freeze(), {}
    if "lecturelib" in before:
        print("lecturelib is installed before the first cell ran: the simulation is not fresh")
        return 1

    def on_cell_executed(cell, cell_index, execute_reply=None, **_):
        if cell_index == 0:
            after.update(freeze())

    start = time.perf_counter()
    client = NotebookClient(nb, timeout=900, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(Path(path).resolve().parent)}},
                            on_cell_executed=on_cell_executed)
    client.execute()
    seconds = time.perf_counter() - start
    problems = []

    changes = install_changes(before, after)
    if "lecturelib" not in after:
        problems.append("the first cell did not install lecturelib into this environment")
    if changes:
        problems.append("the first cell's install changed Colab's packages: " + "; ".join(changes))

    models = nb.metadata.get("widgets", {}).get(STATE, {}).get("state", {})
    explorers = bars = 0
    widget_versions = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if VIEW in out.get("data", {}):
                widget_versions.add(out["data"][VIEW].get("version_major"))
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            if "IProgress not found" in text or (out.get("name") == "stderr" and "Error" in text):
                problems.append(f"stderr of a cell: {text.strip()[:300]}")
        shown = widget_outputs(cell, models)
        names = [m.get("model_name") for m in shown]
        if "explore(" in cell.source:
            figures = [o for m in shown if m.get("model_name") == "OutputModel"
                       for o in m.get("state", {}).get("outputs", []) if "image/png" in o.get("data", {})]
            if "SelectionSliderModel" not in names or not figures:
                problems.append(f"explorer without live sliders and a figure: {cell.source[:80]!r} -> {names}")
            else:
                explorers += 1
        if ("FloatProgressModel" in names or "IntProgressModel" in names) and "HBoxModel" in names:
            bars += 1
    last = nb.cells[-1]
    if "show_progress" in last.source:
        html = "".join(o.get("data", {}).get("text/html", "") for o in last.outputs)
        if "exercise-progress" not in html:
            problems.append("the last cell did not show the progress table")
    for problem in problems:
        print("PROBLEM:", problem)
    import ipywidgets
    added = [after[k] for k in after.keys() - before.keys()]
    print(f"{seconds:5.1f} s in the kernel; the first cell's install added {added or 'nothing'}"
          f"{' and changed nothing else' if not changes else ', and more (see above)'}; "
          f"{explorers} live explorer(s), {bars} progress bar(s) (ipywidgets {ipywidgets.__version__}, "
          f"widget protocol {sorted(v for v in widget_versions if v) or '-'})")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
