#!/usr/bin/env bash
# Spec-driven fuzzing: schemathesis (from PyPI, in a virtualenv under target/) against
# our own /openapi.json on a live server filled with the demo newsroom, signed in as an
# admin, with every check on. Exits non-zero on any finding.
#
#   bash fuzz/api.sh [sqlite|postgres] [SECONDS] [SCHEMATHESIS OPTIONS…]
#
# SECONDS is the fixed time budget of the fuzzing itself (default 240). FUZZ_STRICT=1
# also counts a 422 for schema-valid input as a finding (fuzz/schemathesis.strict.toml).
# Further options
# go to schemathesis, e.g. `--include-path /api/v1/images --mode negative` to focus.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND="${1:-sqlite}"
BUDGET="${2:-240}"
TARGET="${CARGO_TARGET_DIR:-target}"
VENV="$TARGET/fuzz-venv"
SCHEMATHESIS_VERSION="4.32.5"
# Hypothesis pinned too: from 6.156 its wheels are compiled with mypyc, and under the
# CPython 3.11.7 of this machine their lambda descriptions (ast.parse) fail with
# "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905), which
# schemathesis reports as a runtime error. 6.155.7 is the last pure-Python release.
# The same error still came from two workers parsing at once (the pure-Python
# `ast.parse` of 3.11 is not thread-safe either: GET /api/v1/api-keys, 2026-12-07), so
# one worker runs: fewer cases in the budget, none lost to the tool.
HYPOTHESIS_VERSION="6.155.7"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" ||
  ! "$VENV/bin/python" -c "import hypothesis, sys; sys.exit(hypothesis.__version__ != '$HYPOTHESIS_VERSION')" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"
fi
cargo build --quiet --bin dateline
BIN="$TARGET/debug/dateline"

REPORT="${FUZZ_REPORT_DIR:-$TARGET/apifuzz-report}"
mkdir -p "$REPORT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dateline-apifuzz.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
case "$BACKEND" in
  sqlite) DATABASE_URL="sqlite://$WORK/fuzz.db" ;;
  postgres)
    ADMIN_URL="${DATELINE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
    DB="dateline_apifuzz_$$"
    psql "$ADMIN_URL" -qc "CREATE DATABASE $DB"
    DATABASE_URL="${ADMIN_URL%/*}/$DB"
    ;;
  *) echo "usage: fuzz/api.sh [sqlite|postgres] [SECONDS]" >&2; exit 2 ;;
esac
export DATABASE_URL
export DATELINE_LISTEN="127.0.0.1:$PORT"
export DATELINE_DATA_DIR="$WORK"
export DATELINE_MEDIA="$WORK/media"
export DATELINE_ADMIN_EMAIL="fuzz-admin@example.com"
export DATELINE_ADMIN_PASSWORD="fuzz-admin-password-1"
# A run makes thousands of requests: no throttles, and a token that outlives the run.
export DATELINE_ACCESS_TOKEN_TTL=86400
export DATELINE_API_KEY_RATE_LIMIT=1000000
export DATELINE_LOGIN_MAX_FAILURES=1000
export RUST_LOG="${RUST_LOG:-warn}"

cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  [ "$BACKEND" = postgres ] && psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  # Keep the server's log with the report: it explains any finding.
  [ -f "$WORK/server.log" ] && cp "$WORK/server.log" "$REPORT/server-$BACKEND.log"
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" demo >/dev/null
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
ready=no
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null; then ready=yes; break; fi
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "FAIL: the server did not become ready:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi
TOKEN="$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" \
  -H 'content-type: application/json' \
  -d "{\"email\":\"$DATELINE_ADMIN_EMAIL\",\"password\":\"$DATELINE_ADMIN_PASSWORD\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

# Signing out would end the one session the whole run uses (every later request would
# be a correct but uninteresting 401); logout has tests of its own. A live story's event
# stream never ends by design (each request would sit until the request timeout, read
# as a failure); its parameters and errors are covered by tests/api/live.rs.
status=0
CONFIG=fuzz/schemathesis.toml
[ "${FUZZ_STRICT:-}" = 1 ] && CONFIG=fuzz/schemathesis.strict.toml
"$VENV/bin/schemathesis" --config-file "$CONFIG" run "http://127.0.0.1:$PORT/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $TOKEN" \
  --max-time "$BUDGET" \
  --seed "${FUZZ_SEED:-1}" \
  --workers 1 \
  --request-timeout 30 \
  --suppress-health-check too_slow,filter_too_much \
  --report junit,ndjson --report-dir "$REPORT" \
  --warnings off \
  --exclude-path /api/v1/auth/logout \
  --exclude-path '/api/v1/articles/{key}/entries/stream' \
  "${@:3}" || status=$?

# The run is only worth its checks if it stayed signed in: a fuzzer that disabled or
# demoted its own admin would see "correct" 401/403s for the rest of the budget.
me=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/me")
if [ "$me" != 200 ]; then
  echo "FAIL: by the end the fuzzing admin could no longer act (GET /api/v1/me: $me); the run proves little" >&2
  status=1
fi
if grep -q "panicked" "$WORK/server.log"; then
  echo "FAIL: the server panicked during fuzzing:" >&2
  grep -A5 "panicked" "$WORK/server.log" >&2
  status=1
fi
exit "$status"
