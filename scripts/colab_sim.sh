#!/usr/bin/env bash
# Colab simulation: run the Colab edition of every chapter the way a student meets it in Colab.
#
#   bash scripts/colab_sim.sh              # every chapter
#   bash scripts/colab_sim.sh 08 09        # chapters whose file names start with these
#   bash scripts/colab_sim.sh --env-only   # build (or check) the environment, run nothing
#
# 1. A virtual environment on Python 3.13 (Colab's Python) holding only what Colab preinstalls, at
#    Colab's versions: every package the book touches (torch, numpy, matplotlib, IPython, ipykernel,
#    ipywidgets 7.7, tqdm, Pillow, pycocotools, defusedxml) and the kernel machinery, installed under
#    constraints made from scripts/colab-pip-freeze.txt (Colab's own `pip freeze`), so that their
#    dependencies get Colab's versions too. Built once and reused while the versions and the Python
#    stay the same (a stamp file), under ~/.cache so that a fresh clone on the same machine reuses it.
# 2. The Colab edition of each chapter (scripts/colab_edition.py) is run by scripts/colab_run.py from a
#    fresh folder outside the repository (Colab runs in /content). lecturelib is uninstalled first,
#    so the first cell must install it (from this checkout, via LECTURELIB_SOURCE); `pip freeze`
#    before and after that cell must differ by lecturelib alone. Explorers and progress bars run
#    live (LECTURELIB_STATIC unset) and must produce their widgets.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FREEZE=${COLAB_FREEZE:-$ROOT/scripts/colab-pip-freeze.txt}
SIM=${COLAB_SIM:-${XDG_CACHE_HOME:-$HOME/.cache}/rnn-detseg-book/colab-sim}
BOOK_PYTHON=${BOOK_PYTHON:-$ROOT/${VENV:-.venv}/bin/python}   # runs the generator (needs the book's packages)
# Every package the book touches: lecturelib's dependencies (read from pyproject.toml, so that a new one is
# installed here at Colab's version, and the install cell finds it, as in Colab), IPython, and what runs a
# notebook (Colab's kernel is ipykernel too).
deps=$(sed -n '/^dependencies = \[/,/^\]/p' pyproject.toml | sed -n -E 's/^ *"([A-Za-z0-9_.-]+).*/\1/p' | tr '\n' ' ')
[ -n "$deps" ] || { echo "colab-sim: no dependencies found in pyproject.toml" >&2; exit 2; }
PACKAGES="$deps ipython ipykernel jupyter_client nbclient nbformat pip setuptools"

find_python313() {
    local candidates=("${COLAB_PYTHON:-}" "$(command -v python3.13 || true)")
    local root
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    candidates+=("$root"/versions/3.13*/bin/python3.13)
    for py in "${candidates[@]}"; do
        if [ -n "$py" ] && [ -x "$py" ] &&
           "$py" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
            echo "$py"; return 0
        fi
    done
    return 1
}

if ! PY313=$(find_python313); then
    echo "colab-sim: no Python 3.13 found (Colab runs 3.13). Install one (e.g. 'pyenv install 3.13'), or" >&2
    echo "           set COLAB_PYTHON=/path/to/python3.13. Looked at: \$COLAB_PYTHON, python3.13 on PATH," >&2
    echo "           and \$(pyenv root)/versions/3.13*/bin/python3.13." >&2
    exit 2
fi
[ -f "$FREEZE" ] || { echo "colab-sim: $FREEZE (Colab's pip freeze) is missing" >&2; exit 2; }
[ -x "$BOOK_PYTHON" ] || { echo "colab-sim: the book's Python $BOOK_PYTHON is missing (run scripts/setup_env.sh)" >&2; exit 2; }

# Colab's pins as pip constraints: "name==version" lines as they are; "name @ URL" lines (torch and
# friends come from PyTorch's CPU index there) become "name==version" without the +cpu local tag, which
# on PyPI is the same release (for Python 3.13 PyPI has only the CUDA build: larger, runs on a CPU).
# NVIDIA's libraries are left free: the CUDA build of torch needs its own versions of them, which
# Colab's CPU runtime (torch+cpu) does not have; what Colab lists (nvidia-nccl-cu13) is another's.
constraints_text() {
    sed -n -E -e '/^(nvidia-|triton|cuda-)/d' -e '/^[A-Za-z0-9_.-]+==/p' \
        -e 's#^([A-Za-z0-9_.-]+) @ https://download\.pytorch\.org/.*/[A-Za-z0-9_]+-([0-9][0-9.]*)(%2B[a-z0-9]+)?-.*#\1==\2#p' \
        "$FREEZE"
}
version_key=$( { "$PY313" -VV; echo "$PACKAGES"; constraints_text; } | sha256sum | cut -c1-16)
stamp="$SIM/.installed-$version_key"
if [ ! -f "$stamp" ]; then
    echo "colab-sim: building $SIM on $("$PY313" -V) with Colab's versions (torch alone is a large download)"
    rm -rf "$SIM"
    mkdir -p "$SIM"
    "$PY313" -m venv "$SIM"
    constraints_text > "$SIM/colab-constraints.txt"
    # shellcheck disable=SC2086
    "$SIM/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c "$SIM/colab-constraints.txt" $PACKAGES
    touch "$stamp"
fi
# shellcheck disable=SC2086
"$SIM/bin/python" - $PACKAGES <<'EOF'
import importlib.metadata as md, sys
print("colab-sim: Python %d.%d.%d;" % sys.version_info[:3],
      ", ".join(f"{p} {md.version(p)}" for p in sys.argv[1:] if p not in ("pip", "setuptools")))
EOF
if [ "${1:-}" = "--env-only" ]; then exit 0; fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$BOOK_PYTHON" scripts/colab_edition.py "$out/edition" >/dev/null
status=0
for nb in "$out"/edition/chapters/*.ipynb; do
    name=$(basename "$nb")
    if [ $# -gt 0 ]; then
        keep=no
        for prefix in "$@"; do case "$name" in "$prefix"*) keep=yes;; esac; done
        [ $keep = yes ] || continue
    fi
    "$SIM/bin/python" -m pip uninstall --quiet --yes lecturelib >/dev/null 2>&1 || true
    content=$(mktemp -d /tmp/content.XXXXXX)   # Colab's working folder is /content, far from any checkout
    cp "$nb" "$content/"
    start=$(date +%s%N)
    # PATH: the kernel ("python3") and pip must be this environment's, as they are Colab's in Colab
    if (cd "$content" && env -u LECTURELIB_STATIC -u MPLBACKEND -u PYTHONPATH -u VIRTUAL_ENV \
            PATH="$SIM/bin:$PATH" LECTURELIB_SOURCE="$ROOT" \
            "$SIM/bin/python" "$ROOT/scripts/colab_run.py" "$name" > "$out/log" 2>&1); then
        printf 'colab-sim: %-36s ok  %6.1f s (install + run)  %s\n' "$name" \
               "$(echo "scale=1; ($(date +%s%N) - $start) / 1000000000" | bc)" "$(tail -1 "$out/log")"
    else
        echo "colab-sim: $name FAILED" >&2
        tail -40 "$out/log" >&2
        status=1
    fi
    rm -rf "$content"
done
exit $status
