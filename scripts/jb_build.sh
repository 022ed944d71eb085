#!/usr/bin/env bash
# Run Jupyter Book on one book folder, in the book's environment (already activated).
# Usage: scripts/jb_build.sh BOOK_DIR [--strict]
#   --strict  a full rebuild: the execution cache is dropped and Sphinx re-reads every page
#             (jupyter-book --all), so every notebook is executed afresh whatever _build/
#             holds; every warning, a failing cell included, is an error.
# Without --strict only what changed is rebuilt and executed (Jupyter Book's cache).
set -euo pipefail
book=$1
flags=()
if [ "${2:-}" = "--strict" ]; then
    # Dropping the cache alone is not enough: Sphinx's pickled environment would still say
    # that no page is out of date, and nothing would be executed or checked.
    rm -rf "$book/_build/.jupyter_cache"
    flags=(--all -W -n --keep-going)
fi
# LECTURELIB_STATIC: explorers render as offline animations, progress bars as text.
# MPLBACKEND must stay unset: with it, notebooks show no figures.
env -u MPLBACKEND LECTURELIB_STATIC=1 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} \
    jupyter-book build "$book" "${flags[@]}"
