#!/usr/bin/env bash
# Instructions per request on the miss path, counted by callgrind: unlike req/s or CPU
# time, the count is the same run after run whatever else the machine is doing, so a
# change of a few percent shows (this machine's wrk runs vary by ±20%).
#   bash bench/instructions.sh [ARTICLES] [BINARY...]
# Runs each binary (default: the release build) on the SQLite newsroom that
# `bench/load.sh ARTICLES sqlite` seeded, with the response cache off, under callgrind;
# asks 50 requests to warm up, zeroes the counters, then asks a fixed sequence of
# requests one at a time and divides the instructions counted since by their number:
#   - long tail: 200 story pages, each a different story (the first slugs of load.sh's
#     random list);
#   - cold section list: 100 pages of the first section, 20 stories each, as a client
#     that takes no coding asks (the stored renders are inflated);
#   - the same list as a browser asks (gzip: the stored renders are sent as they are).
# Counts include the kernel's share of nothing (callgrind counts user space only) and
# SHA-256 in software (valgrind hides the CPU's SHA extensions), so compare binaries
# with each other, not with bench/load.sh's CPU times.
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-10000}"
shift || true
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || { cargo build --release --quiet --bin dateline; binaries=(target/release/dateline); }
command -v valgrind >/dev/null || { apt-get install -y valgrind >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }; }
port=18092
data="target/bench-data"
file="$data/sqlite-$articles.db"
paths="$data/tail-sqlite-$articles.txt"
[ -f "$file" ] && [ -s "$paths" ] || { echo "seed first: bash bench/load.sh $articles sqlite" >&2; exit 2; }
export DATELINE_MEDIA="$PWD/$data/media-sqlite-$articles" DATELINE_DATA_DIR="$PWD/$data" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn DATABASE_URL="sqlite://$PWD/$file" \
  DATELINE_RESPONSE_CACHE_MB=0
work=$(mktemp -d)
vg=
trap 'kill $vg 2>/dev/null || true; rm -rf "$work"' EXIT
section=$(python3 -c "import sqlite3; print(sqlite3.connect('$file').execute('select slug from sections order by position, slug limit 1').fetchone()[0])")
api="http://127.0.0.1:$port/api/v1"

urls() { # kind first count
  case $1 in
    tail) sed -n "$2,$(($2 + $3 - 1))p" "$paths" | sed "s|^|http://127.0.0.1:$port|" ;;
    list | glist) for i in $(seq "$2" $(($2 + $3 - 1))); do echo "$api/articles?section=$section&limit=20&offset=$((i % 50))"; done ;;
  esac
}
ask() { # kind first count: one request at a time, bodies dropped
  local header=()
  [ "$1" = glist ] && header=(-H "Accept-Encoding: gzip, deflate, br, zstd")
  urls "$@" | sed 's|.*|url = "&"\noutput = /dev/null|' >"$work/curl.cfg"
  curl -fs "${header[@]}" -K "$work/curl.cfg"
}
count() { # binary kind n: instructions per request
  local bin=$1 kind=$2 n=$3 total=0 f t
  rm -f "$work"/cg.*
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --dump-instr=no "$bin" >"$work/server.log" 2>&1 &
  vg=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
  ask "$kind" 1 50
  callgrind_control -z "$vg" >/dev/null 2>&1
  ask "$kind" 1001 "$n"
  callgrind_control -d "$vg" >/dev/null 2>&1
  kill "$vg"; wait "$vg" 2>/dev/null || true; vg=
  # The dump taken after zeroing: the files with a part number.
  for f in "$work"/cg.*.[0-9]*; do
    t=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
    total=$((total + ${t:-0}))
  done
  echo $((total / n))
}

printf '%-40s %14s %14s %14s\n' binary "long tail" "list" "list (gzip)"
for bin in "${binaries[@]}"; do
  printf '%-40s %14s %14s %14s\n' "$bin" "$(count "$bin" tail 200)" "$(count "$bin" list 100)" \
    "$(count "$bin" glist 100)"
done
echo "instructions per request (callgrind); SQLite, $articles stories, response cache off"
