#!/usr/bin/env bash
# Run the whole test suite: lecturelib's tests, nbval over every chapter, a strict
# book build (warnings are errors) executed afresh, and browser tests of the pages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate
export LECTURELIB_STATIC=1 MPLBACKEND=agg PYTHONHASHSEED=0

echo "== 1/4 lecturelib tests"
python -m pytest tests -q

echo "== 2/4 nbval over chapters/"
python -m pytest --nbval-lax --nbval-current-env -q chapters

echo "== 3/4 strict book build, every notebook executed afresh"
rm -rf _build/.jupyter_cache
bash scripts/build.sh --strict

echo "== 4/4 the built pages in headless Chromium"
bash scripts/ensure_chromium.sh
python -m pytest tests/browser --book-html _build/html -q
