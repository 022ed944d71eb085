#!/usr/bin/env bash
# Build the HTML book with Jupyter Book 1.x. Usage: scripts/build.sh [--strict]
#   --strict  treat every warning (including a failing cell) as an error
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate

# Jupyter Book's execution cache keys on each notebook's own content, so a change
# to lecturelib alone would leave stale (possibly broken) outputs in the book.
# Drop the cache whenever lecturelib's files change.
lib_hash=$(find lecturelib -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
mkdir -p _build
if [ "$(cat _build/.lecturelib-hash 2>/dev/null)" != "$lib_hash" ]; then
    rm -rf _build/.jupyter_cache
fi

flags=()
if [ "${1:-}" = "--strict" ]; then flags=(-W -n --keep-going); fi
# LECTURELIB_STATIC: explorers render as offline animations, progress bars as text.
# MPLBACKEND must stay unset: with it, notebooks show no figures.
env -u MPLBACKEND LECTURELIB_STATIC=1 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} jupyter-book build . "${flags[@]}"
echo "$lib_hash" > _build/.lecturelib-hash
echo
echo "The book is built: open file://$PWD/_build/html/index.html"
