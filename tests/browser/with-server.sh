#!/usr/bin/env bash
# Runs a browser test against a real Dateline server on a throwaway demo newsroom.
#
#   bash tests/browser/with-server.sh DATELINE_BIN COMMAND [ARGS...]
#
# Seeds the demo newsroom (`dateline demo`) in a temporary folder, serves it on a free
# loopback port with the reference front end on (the desk is on by default) and a first
# admin account, waits for /readyz, then runs COMMAND from the repository root with
# DESK_URL, DEMO_URL, ADMIN_EMAIL, ADMIN_PASSWORD and SCREENSHOT_DIR
# (target/screenshots) set. Needs Debian's Chromium at /usr/bin/chromium and node.
# Used by examples/frontend/test/run.sh and desk/test/run.sh.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"

bin="${1:?usage: with-server.sh DATELINE_BIN COMMAND [ARGS...]}"
shift
[[ "$bin" == /* ]] || bin="$repo/$bin"
chromium=/usr/bin/chromium

if [[ ! -x "$chromium" ]]; then
  echo "with-server.sh: $chromium not found; install Debian's chromium first (apt-get install -y chromium)" >&2
  exit 1
fi
if [[ ! -x "$bin" ]]; then
  echo "with-server.sh: no Dateline binary at $bin (build it first, or pass its path)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "with-server.sh: node is not installed" >&2; exit 1; }

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  local status=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$tmp/server.log" ]]; then
    echo "with-server.sh: failed; the server's last log lines:" >&2
    tail -n 40 "$tmp/server.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export DATABASE_URL="sqlite://$tmp/d.db"
export DATELINE_MEDIA="$tmp/media"
export DATELINE_LISTEN="127.0.0.1:$port"
export DATELINE_JWT_SECRET="browser-test-secret-0123456789abcdef0123456789"
# The first admin: tests sign in with it (and create the colleagues they need).
export DATELINE_ADMIN_EMAIL="desk@dateline.test"
export DATELINE_ADMIN_PASSWORD="browser-test-password-1"

echo "with-server.sh: seeding the demo newsroom in $tmp"
(cd "$tmp" && "$bin" demo) >"$tmp/seed.log" 2>&1 || {
  echo "with-server.sh: \`dateline demo\` failed:" >&2
  tail -n 40 "$tmp/seed.log" >&2
  exit 1
}

echo "with-server.sh: starting the server on 127.0.0.1:$port"
(cd "$tmp" && DATELINE_DEMO_FRONTEND=true exec "$bin") >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "with-server.sh: the server exited during start-up" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || {
  echo "with-server.sh: the server was not ready after 60 s" >&2
  exit 1
}

mkdir -p target/screenshots
ADMIN_EMAIL="$DATELINE_ADMIN_EMAIL" ADMIN_PASSWORD="$DATELINE_ADMIN_PASSWORD" \
DESK_URL="http://127.0.0.1:$port/desk/" DEMO_URL="http://127.0.0.1:$port/demo/" \
SCREENSHOT_DIR="$repo/target/screenshots" \
  "$@"
