#!/usr/bin/env bash
# How many live-story readers one instance holds: READERS idle Server-Sent Events
# connections to the demo newsroom's live story (`dateline demo`), the server's memory
# before and with them, then one entry posted by the desk and the time until every
# reader has it. The same number of idle streams held by the minimal actix-web server
# (examples/limit.rs) in the same run is the floor for memory.
#   bash bench/sse.sh [READERS] [sqlite|postgres]
# Loopback only; every step has a deadline (bench/sse.py).
set -euo pipefail
cd "$(dirname "$0")/.."
readers="${1:-10000}"
backend="${2:-sqlite}"
port=18094
limit_port=18095
server=
limit=
work="$(mktemp -d)"
trap 'for p in $server $limit; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# Each side holds one descriptor per reader.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((readers + 200)) ]; then
  echo "sse.sh: the descriptor limit ($(ulimit -n)) is below $readers readers" >&2
  exit 1
fi
cargo build --release --quiet --bin dateline --example limit

export DATELINE_MEDIA="$work/media" DATELINE_DATA_DIR="$work" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn
case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$work/sse.db" ;;
  postgres)
    db="dateline_bench_sse_$$"
    psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db" >/dev/null
    trap 'for p in $server $limit; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" ;;
  *) echo "sse.sh: backend is sqlite or postgres" >&2; exit 2 ;;
esac
target/release/dateline demo >/dev/null
target/release/dateline >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-1"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
slug=storm-watch-live-updates
# What one reader is sent on connecting, for the minimal server to send too.
curl -sS -m 1 "http://127.0.0.1:$port/api/v1/articles/$slug/entries/stream" >"$work/first" || true

echo "== Dateline ($backend): $readers readers of /api/v1/articles/$slug/entries/stream"
python3 bench/sse.py "$port" "$slug" "$readers" "$token" "$server"
kill "$server"; wait "$server" 2>/dev/null || true; server=
if grep -q -E "WARN|ERROR" "$work/server.log"; then
  echo "# the server's warnings:"; grep -E "WARN|ERROR" "$work/server.log" | grep -v JWT_SECRET | tail -5
fi

target/release/examples/limit "127.0.0.1:$limit_port" "$work/first" text/event-stream &
limit=$!
sleep 0.5
echo "== minimal actix-web server: $readers idle streams"
python3 bench/sse.py "$limit_port" "$slug" "$readers" - "$limit"
