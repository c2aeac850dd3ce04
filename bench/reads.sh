#!/usr/bin/env bash
# Read benchmark: the release server on a SQLite demo newsroom (`dateline demo`),
# hammered over loopback by wrk (Debian's package, installed here if missing) with
# 64 connections. Compares a 20-item collection with the article list of 20, and
# reports requests/s, p50 and p99 latency and the server's peak RSS. Stops by itself.
#   bash bench/reads.sh [seconds per endpoint]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
work="$(mktemp -d)"
port=18089
server=
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --quiet

export DATABASE_URL="sqlite://$work/bench.db" DATELINE_MEDIA="$work/media" DATELINE_DATA_DIR="$work" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn
./target/release/dateline demo >/dev/null
./target/release/dateline >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; wrk -t2 -c64 -d${secs}s, loopback"
printf '%-44s %10s %9s %9s %8s\n' endpoint req/s p50 p99 bytes
for path in \
  "/api/v1/articles?limit=20" \
  "/api/v1/articles?limit=20&formats=text" \
  "/api/v1/collections/homepage" \
  "/api/v1/collections/latest-from-top-news"; do
  url="http://127.0.0.1:$port$path"
  bytes=$(curl -fs "$url" | wc -c)
  wrk -t2 -c64 -d2s "$url" >/dev/null # warm-up
  out=$(wrk -t2 -c64 -d"${secs}s" --latency "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  printf '%-44s %10s %9s %9s %8s %s\n' "$path" "$rps" "$p50" "$p99" "$bytes" "$errors"
done
echo "server peak RSS: $(( $(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024 )) MiB"
