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
# Drop the cache whenever lecturelib's files change.
lib_hash=$(find lecturelib -type f ! -name '*.pyc' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
mkdir -p _build
if [ "$(cat _build/.lecturelib-hash 2>/dev/null)" != "$lib_hash" ]; then
    rm -rf _build/.jupyter_cache
fi

bash scripts/jb_build.sh . "${1:-}"
echo "$lib_hash" > _build/.lecturelib-hash
echo
echo "The book is built: open file://$PWD/_build/html/index.html"
