#!/usr/bin/env bash
# Run the whole test suite: lecturelib's tests, nbval over every chapter, and a
# strict book build (warnings are errors) executed afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate
export LECTURELIB_STATIC=1 MPLBACKEND=agg PYTHONHASHSEED=0

echo "== 1/3 lecturelib tests"
python -m pytest tests -q

echo "== 2/3 nbval over chapters/"
python -m pytest --nbval-lax --nbval-current-env -q chapters

echo "== 3/3 strict book build, every notebook executed afresh"
rm -rf _build/.jupyter_cache
bash scripts/build.sh --strict
