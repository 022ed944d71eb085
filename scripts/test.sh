#!/usr/bin/env bash
# Run the whole test suite: lecturelib's tests, nbval over every chapter, a strict
# book build (warnings are errors) executed afresh, browser tests of the pages, and
# the Colab simulation (every chapter installing lecturelib itself, then running).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate
export LECTURELIB_STATIC=1 MPLBACKEND=agg PYTHONHASHSEED=0

echo "== 1/5 lecturelib tests"
python -m pytest tests -q

echo "== 2/5 nbval over chapters/"
python -m pytest --nbval-lax --nbval-current-env -q chapters

echo "== 3/5 strict book build, every notebook executed afresh"
rm -rf _build/.jupyter_cache
bash scripts/build.sh --strict

echo "== 4/5 the built pages in headless Chromium"
bash scripts/ensure_chromium.sh
python -m pytest tests/browser --book-html _build/html -q

echo "== 5/5 Colab simulation"
bash scripts/colab_sim.sh
