#!/usr/bin/env bash
# Load benchmark: the release server on a seeded newsroom (`dateline seed`), measured
# with wrk over loopback (64 connections, wrk and server sharing the machine) for the
# reads a front end makes and a write mix, each read also against "the limit": a
# minimal actix-web server sending the same bytes from memory (examples/limit.rs).
# Ratios to the limit survive a noisy machine; absolute numbers do not.
#   bash bench/load.sh [ARTICLES] [sqlite|postgres] [SECONDS]
# Seeded databases are kept in target/bench-data/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-10000}"
backend="${2:-sqlite}"
secs="${3:-10}"
port=18092
limit_port=18093
data="target/bench-data"
server=
limit=
trap 'for p in $server $limit; do kill "$p" 2>/dev/null || true; done' EXIT
mkdir -p "$data"

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --quiet --bin dateline --example limit

export DATELINE_MEDIA="$PWD/$data/media-$backend-$articles" DATELINE_DATA_DIR="$PWD/$data" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn
case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$PWD/$data/sqlite-$articles.db"
          count() { python3 -c "import sqlite3; print(sqlite3.connect('$data/sqlite-$articles.db').execute(\"select count(*) from articles where status='published'\").fetchone()[0])"; }
          tidy() { python3 -c "import sqlite3; c = sqlite3.connect('$data/sqlite-$articles.db'); c.execute('PRAGMA foreign_keys = ON'); c.execute(\"delete from articles where headline like 'Load story %'\"); c.commit()"; } ;;
  postgres) db="dateline_bench_$articles"
          psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
            || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
          export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
          count() { psql -h 127.0.0.1 -U postgres -d "$db" -tAc "select count(*) from articles where status='published'"; }
          tidy() { psql -h 127.0.0.1 -U postgres -d "$db" -qc "delete from articles where headline like 'Load story %'"; } ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
if [ ! -f "$data/seeded-$backend-$articles" ]; then
  ./target/release/dateline seed --articles "$articles"
  touch "$data/seeded-$backend-$articles"
fi

# The seeded newsroom as seeded: take out what an earlier run's write mix added.
tidy
started=$(date +%s.%N)
./target/release/dateline >"$data/server.log" 2>&1 &
server=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.01; done
ready=$(date +%s.%N)
api="http://127.0.0.1:$port/api/v1"
slug=$(curl -fs "$api/articles?section=world&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $backend, $articles stories; wrk -t2 -c64 -d${secs}s over loopback"
echo "start-up on the existing database: $(awk -v a="$started" -v b="$ready" 'BEGIN {printf "%.2f", b - a}') s"
printf '%-48s %9s %9s %9s %9s %7s\n' endpoint req/s p50 p99 limit "share"
measure() { # URL -> "req/s p50 p99"
  local out
  out=$(wrk -t2 -c64 -d"${secs}s" --latency "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers during $1" >&2; fi
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
for path in \
  "/api/v1/articles?section=world&limit=20&include=authors,tags" \
  "/api/v1/articles/$slug" \
  "/api/v1/collections/homepage" \
  "/feeds/rss?limit=50" \
  "/api/v1/articles?q=climate+markets"; do
  url="http://127.0.0.1:$port$path"
  type=$(curl -fs -o "$data/body" -w '%{content_type}' "$url")
  wrk -t2 -c64 -d2s "$url" >/dev/null # warm-up
  read -r rps p50 p99 < <(measure "$url")
  ./target/release/examples/limit "127.0.0.1:$limit_port" "$data/body" "$type" &
  limit=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$limit_port/"; do sleep 0.01; done
  wrk -t2 -c64 -d2s "http://127.0.0.1:$limit_port/" >/dev/null
  read -r lrps _ _ < <(measure "http://127.0.0.1:$limit_port/")
  kill "$limit"; wait "$limit" 2>/dev/null || true; limit=
  share=$(awk -v a="$rps" -v b="$lrps" 'BEGIN {printf "%.0f%%", 100 * a / b}')
  printf '%-48s %9s %9s %9s %9s %7s\n' "${path:0:48}" "$rps" "$p50" "$p99" "$lrps" "$share"
done

echo "server peak RSS after the reads: $(( $(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024 )) MiB"
token=$(curl -fs "$api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-1"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
before=$(count)
out=$(BENCH_TOKEN="$token" wrk -t2 -c64 -d"${secs}s" --latency -s bench/writes.lua "http://127.0.0.1:$port")
after=$(count)
pairs=$(( after - before ))
echo "writes (create + publish, -c64): $(awk -v p="$pairs" -v s="$secs" 'BEGIN {printf "%.0f", p / s}') pairs/s ($pairs published in ${secs}s), requests p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"
echo "server peak RSS after the writes: $(( $(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024 )) MiB"
