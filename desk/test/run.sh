#!/usr/bin/env bash
# Browser test of the desk: a desk's day at /desk/, in Debian's Chromium, against a real
# Dateline server on a throwaway demo newsroom (tests/browser/with-server.sh), ending
# on the reference front end at /demo/ showing what the desk published.
#
#   bash desk/test/run.sh [DATELINE_BIN]     (default target/debug/dateline)
#
# Screenshots go to target/screenshots/desk-*.png.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

echo "run.sh: installing the test's dependencies (npm ci)"
(cd desk && npm ci --no-audit --no-fund --loglevel=error)
exec bash tests/browser/with-server.sh "${1:-target/debug/dateline}" node desk/test/desk.mjs
