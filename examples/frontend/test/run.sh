#!/usr/bin/env bash
# Browser test of the reference front end against a real Dateline server.
#
#   bash examples/frontend/test/run.sh [DATELINE_BIN]     (default target/debug/dateline)
#
# Serves a throwaway demo newsroom (tests/browser/with-server.sh) and reads /demo/ in
# Debian's Chromium (/usr/bin/chromium, installed separately: `apt-get install -y
# chromium`). Screenshots go to target/screenshots/.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$repo"

echo "run.sh: installing the test's dependencies (npm ci)"
(cd examples/frontend && npm ci --no-audit --no-fund --loglevel=error)
exec bash tests/browser/with-server.sh "${1:-target/debug/dateline}" node examples/frontend/test/browser.mjs
