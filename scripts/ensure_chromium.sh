#!/usr/bin/env bash
# Make sure a Chromium is available for the browser tests (Debian's package when root).
set -euo pipefail
for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
    if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
    exit 0
fi
echo "No Chromium found. Install chromium (e.g. 'sudo apt-get install chromium') or set CHROMIUM=/path/to/chrome." >&2
exit 1
