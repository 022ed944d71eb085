#!/usr/bin/env bash
# Run the whole test suite:
#   1. lecturelib's tests (pytest tests)
#   2. nbval over every chapter, with the stored key numbers compared
#   3. a strict book build (warnings are errors), every notebook executed afresh
#   4. determinism: each chapter executed again prints the same numbers as in the build
#   5. the built pages in headless Chromium (offline)
#   6. the Colab simulation: each chapter installs lecturelib itself, then runs
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
source .venv/bin/activate
# No MPLBACKEND here: it would stop Jupyter from showing figures inline (no images in the book).
# Idle OpenMP threads sleep instead of spinning: torch on 2 busy cores was up to 8x slower.
export LECTURELIB_STATIC=1 PYTHONHASHSEED=0 OMP_WAIT_POLICY=PASSIVE
unset MPLBACKEND
step() { echo; echo "== $1   [$(date +%H:%M:%S)]"; }

step "1/6 lecturelib tests"
python -m pytest tests -q

step "2/6 nbval over chapters/"
python -m pytest --nbval-lax --nbval-current-env -q chapters

step "3/6 strict book build, every notebook executed afresh"
mkdir -p _build
bash scripts/build.sh --strict 2>&1 | tee _build/strict-build.log
# A strict build that executed fewer notebooks than the book has proves nothing.
executed=$(grep -c "Executed notebook in" _build/strict-build.log || true)
chapters=$(ls chapters/*.ipynb | wc -l)
if [ "$executed" -ne "$chapters" ]; then
    echo "strict build executed $executed notebooks, the book has $chapters" >&2; exit 1
fi

step "4/6 determinism"
python scripts/determinism.py _build/jupyter_execute

step "5/6 the built pages in headless Chromium"
bash scripts/ensure_chromium.sh
python -m pytest tests/browser --book-html _build/html -q

step "6/6 Colab simulation"
bash scripts/colab_sim.sh
echo; echo "== all tests passed   [$(date +%H:%M:%S)]"
