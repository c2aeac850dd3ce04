#!/usr/bin/env bash
# The server's memory under the cold reads, for one or more binaries in turn, on a
# newsroom `bench/load.sh ARTICLES BACKEND` seeded:
#   bash bench/memory.sh [ARTICLES] [sqlite|postgres] [ROUNDS] [BINARY...]
# Each binary starts with the response cache off and takes 15 s of long tail (a
# different story each request), 10 s of the section list as a client that takes no
# coding asks (300 KB bodies, inflated from the stored renders) and 10 s of it as a
# browser asks, wrk -t2 -c64 over loopback. Reported after each: peak RSS (VmHWM), the
# process's own memory now (RssAnon), the pages of a mapped SQLite file (RssFile,
# counted once per connection that maps them) and the thread count. With several
# binaries and ROUNDS > 1 they alternate, so a drift of the machine falls on each.
# Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-10000}"
backend="${2:-postgres}"
rounds="${3:-1}"
shift 3 || shift $#
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || { cargo build --release --quiet --bin dateline; binaries=(target/release/dateline); }
port=18092
data="target/bench-data"
paths="$data/tail-$backend-$articles.txt"
[ -f "$data/seeded-$backend-$articles" ] && [ -s "$paths" ] ||
  { echo "seed first: bash bench/load.sh $articles $backend" >&2; exit 2; }
first_section="select slug from sections order by position, slug limit 1"
case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$PWD/$data/sqlite-$articles.db"
          section=$(python3 -c "import sqlite3; print(sqlite3.connect('$data/sqlite-$articles.db').execute('$first_section').fetchone()[0])") ;;
  postgres) export DATABASE_URL="postgres://postgres@127.0.0.1:5432/dateline_bench_$articles"
          section=$(psql -h 127.0.0.1 -U postgres -d "dateline_bench_$articles" -tAqc "$first_section") ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
export DATELINE_MEDIA="$PWD/$data/media-$backend-$articles" DATELINE_DATA_DIR="$PWD/$data" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn DATELINE_RESPONSE_CACHE_MB=0
server=
trap 'kill $server 2>/dev/null || true' EXIT
api="http://127.0.0.1:$port/api/v1"

for round in $(seq "$rounds"); do
  for bin in "${binaries[@]}"; do
    "$bin" >>"$data/server.log" 2>&1 &
    server=$!
    until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
    BENCH_PATHS=$paths wrk -t2 -c64 -d15s -s bench/paths.lua "http://127.0.0.1:$port/" >/dev/null
    wrk -t2 -c64 -d10s "$api/articles?section=$section&limit=20" >/dev/null
    wrk -t2 -c64 -d10s -H "Accept-Encoding: gzip" "$api/articles?section=$section&limit=20" >/dev/null
    awk -v bin="$bin" -v round="$round" '/VmHWM/ {h = $2} /RssAnon/ {a = $2} /RssFile/ {f = $2} /Threads/ {t = $2}
      END {printf "round %d %s: peak RSS %d MiB; now own %d MiB, mapped file %d MiB; %d threads\n",
           round, bin, h / 1024, a / 1024, f / 1024, t}' "/proc/$server/status"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
  done
done
