#!/usr/bin/env bash
# Colab simulation: run every chapter top to bottom the way a student meets it in Colab.
#
# A separate virtual environment (.venv-colab) holds only what Colab preinstalls (numpy,
# torch, matplotlib, ipywidgets, pandas, tqdm, Pillow and the Jupyter kernel), not
# lecturelib. Before each chapter lecturelib is uninstalled, so that the chapter's first
# cell must install it; LECTURELIB_SOURCE points that cell at this checkout instead of the
# repository on the network. Explorers run live (LECTURELIB_STATIC unset), as in Colab.
set -euo pipefail
cd "$(dirname "$0")/.."
SIM="$PWD/${SIM:-.venv-colab}"
PYTHON=${PYTHON:-python3}
COLAB_PACKAGES="torch numpy matplotlib ipywidgets pandas tqdm pillow ipykernel nbclient nbformat"

stamp="$SIM/.installed-$(echo "$COLAB_PACKAGES" | cat - constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "colab-sim: creating $SIM with Colab's preinstalled packages"
    [ -x "$SIM/bin/python" ] || "$PYTHON" -m venv "$SIM"
    # shellcheck disable=SC2086
    "$SIM/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt $COLAB_PACKAGES
    rm -f "$SIM"/.installed-*
    touch "$stamp"
fi

out=$(mktemp -d)
status=0
for nb in chapters/*.ipynb; do
    "$SIM/bin/python" -m pip uninstall --quiet --yes lecturelib >/dev/null 2>&1 || true
    if (cd /tmp && "$SIM/bin/python" -c "import lecturelib" 2>/dev/null); then
        echo "colab-sim: lecturelib is still importable before $nb" >&2; exit 1
    fi
    start=$(date +%s%N)
    if env -u LECTURELIB_STATIC LECTURELIB_SOURCE="$PWD" \
            "$SIM/bin/python" scripts/nbtool.py run "$nb" "$out/$(basename "$nb")" >/dev/null 2>"$out/err"; then
        # The first cell must have installed lecturelib into the simulated Colab environment.
        where=$(cd /tmp && "$SIM/bin/python" -c "import lecturelib, os; print(os.path.dirname(lecturelib.__file__))")
        case "$where" in
            "$SIM"/*) printf 'colab-sim: %-42s ok  %5d ms (install + run)\n' "$nb" \
                               $(( ($(date +%s%N) - start) / 1000000 ));;
            *) echo "colab-sim: $nb ran, but lecturelib came from $where" >&2; status=1;;
        esac
    else
        echo "colab-sim: $nb FAILED" >&2
        tail -30 "$out/err" >&2
        status=1
    fi
done
rm -rf "$out"
exit $status
