#!/usr/bin/env bash
# Build the HTML book with Jupyter Book 1.x. Usage: scripts/build.sh [--strict]
#   --strict  a full rebuild, every notebook executed afresh, every warning (a failing cell
#             included) an error: see scripts/jb_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate

# Jupyter Book's execution cache keys on each notebook's own content, so a change
# to lecturelib alone would leave stale (possibly broken) outputs in the book.
# Drop the cache whenever lecturelib's files (or the kernel's figure format) change.
lib_hash=$(find lecturelib _ext/ipython_kernel_config.py -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
mkdir -p _build
if [ "$(cat _build/.lecturelib-hash 2>/dev/null)" != "$lib_hash" ]; then
    rm -rf _build/.jupyter_cache
fi

# The kernels that execute the chapters draw figures at 2x (see _ext/ipython_kernel_config.py).
IPYTHONDIR=$(mktemp -d)
trap 'rm -rf "$IPYTHONDIR"' EXIT
mkdir -p "$IPYTHONDIR/profile_default"
cp _ext/ipython_kernel_config.py "$IPYTHONDIR/profile_default/"
export IPYTHONDIR
bash scripts/jb_build.sh . "${1:-}"
echo "$lib_hash" > _build/.lecturelib-hash

# PDFs of each chapter and of the whole book (_build/html/pdf/), printed from the built pages by
# the Chromium the browser tests use. Without a Chromium (and no root to install one) a plain
# build goes on without them; a strict build fails.
if bash scripts/ensure_chromium.sh; then
    python scripts/make_pdfs.py _build/html
elif [ "${1:-}" = "--strict" ]; then
    echo "build: no Chromium for the PDFs" >&2; exit 1
else
    echo "build: no Chromium, so no PDFs this time (set CHROMIUM or install chromium)" >&2
fi
echo
echo "The book is built: open file://$PWD/_build/html/index.html"
