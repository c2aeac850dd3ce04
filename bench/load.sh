#!/usr/bin/env bash
# A reader's day on a seeded newsroom (`dateline seed`), with wrk over loopback (wrk and
# the server share the machine), each read against "the limit": a minimal actix-web
# server sending the same bytes from memory (examples/limit.rs) in the same run.
#   bash bench/load.sh [ARTICLES] [sqlite|postgres] [SECONDS]
# Cases: the hot article page (cache hit); the long tail (a different story on every
# request, drawn over the whole archive, response cache off so each is a miss); a cold
# section list and tag page (cache off); the hot page and the section list again while
# an editor saves a draft 5 times a second and publishes every 10 s (bench/writer.py).
# The long tail, the section list and the hot page are measured again as a browser or
# CDN asks (Accept-Encoding: gzip, deflate, br, zstd), against the same encoded bytes.
# The cold cases are measured again at half the rate each reached (BENCH_RATE in
# bench/paths.lua), for latency with room to spare rather than at saturation.
# For each: req/s, p50, p99, and the server's CPU time per request (user + system from
# /proc, which a busy machine does not inflate the way it does latency); on PostgreSQL
# also the database's CPU per request. Seeded databases are kept in target/bench-data/.
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
writer=
trap 'for p in $server $limit $writer; do kill "$p" 2>/dev/null || true; done' EXIT
mkdir -p "$data"

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --quiet --bin dateline --example limit

export DATELINE_MEDIA="$PWD/$data/media-$backend-$articles" DATELINE_DATA_DIR="$PWD/$data" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn
case "$backend" in
  sqlite) file="$data/sqlite-$articles.db"
          export DATABASE_URL="sqlite://$PWD/$file"
          sql() { python3 -c "import sqlite3,sys; c = sqlite3.connect('$file'); c.execute('PRAGMA foreign_keys = ON'); [print(*r, sep='|') for r in c.execute(sys.argv[1])]; c.commit()" "$1"; } ;;
  postgres) db="dateline_bench_$articles"
          psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
            || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
          export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db"
          sql() { psql -h 127.0.0.1 -U postgres -d "$db" -tAqc "$1"; } ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac
if [ ! -f "$data/seeded-$backend-$articles" ]; then
  /usr/bin/time -f "seeded in %e s, peak RSS %M KiB" ./target/release/dateline seed --articles "$articles"
  touch "$data/seeded-$backend-$articles"
fi
# The newsroom as seeded: take out what an earlier run's editor added.
sql "delete from articles where headline like 'Load story %'" >/dev/null
# Every public story's stored render, as a running newsroom has them (the server makes
# them after each save and sweeps for missing ones when it starts).
/usr/bin/time -f "rendered in %e s, peak RSS %M KiB" ./target/release/dateline render
# A bulk load leaves PostgreSQL without statistics, visibility map or hint bits; a
# production server's autovacuum sets them within minutes of the seed, but a machine
# may run with it off (this one does), and then every read of a page writes its hint
# bits back: once per seeded database, what autovacuum would have done.
if [ "$backend" = postgres ] && [ ! -f "$data/vacuumed-$backend-$articles" ]; then
  /usr/bin/time -f "vacuumed in %e s" psql -h 127.0.0.1 -U postgres -d "$db" -qc "VACUUM (ANALYZE)"
  touch "$data/vacuumed-$backend-$articles"
fi

tick=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() { # every PostgreSQL process's CPU so far (0 on SQLite)
  if [ "$backend" = postgres ]; then
    local t=0 p
    for p in $(pgrep -u postgres postgres || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
    echo "$t"
  else echo 0; fi
}

# Peak RSS, and now: the process's own memory (RssAnon) and the database file's pages
# it has mapped (RssFile: SQLite reads a file of up to a quarter of memory through a
# map; counted once per pooled connection; the kernel's page cache, which
# it may drop at any time, not memory the server holds).
memory() {
  awk '/VmHWM/ {h = $2} /RssAnon/ {a = $2} /RssFile/ {f = $2}
       END {printf "peak RSS %d MiB; now own %d MiB, mapped file pages %d MiB", h / 1024, a / 1024, f / 1024}' "/proc/$server/status"
}
start_server() { # extra env… ; waits until ready
  env "$@" ./target/release/dateline >>"$data/server.log" 2>&1 &
  server=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

# wrk against URL (with an optional script); prints "req/s p50 p99 cpu_ms pg_ms".
measure() {
  local url=$1 script=${2:-} out before pg_before after pg_after n
  before=$(ticks "$server"); pg_before=$(pg_ticks)
  out=$(wrk -t2 -c64 -d"${secs}s" --latency ${script:+-s "$script"} ${accept:+-H "Accept-Encoding: $accept"} "$url")
  after=$(ticks "$server"); pg_after=$(pg_ticks)
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers during $url: $(grep Non-2xx <<<"$out")" >&2; fi
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(awk -v d=$((after - before)) -v n="$n" -v t="$tick" 'BEGIN {printf "%.3f", 1000 * d / t / n}')" \
    "$(awk -v d=$((pg_after - pg_before)) -v n="$n" -v t="$tick" 'BEGIN {printf "%.3f", 1000 * d / t / n}')"
}
# The limit for the bytes in $data/body: req/s of the minimal server sending them.
limit_for() {
  ./target/release/examples/limit "127.0.0.1:$limit_port" "$data/body" "$1" ${2:+"$2"} &
  limit=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$limit_port/"; do sleep 0.01; done
  wrk -t2 -c64 -d2s "http://127.0.0.1:$limit_port/" >/dev/null
  local lrps
  read -r lrps _ < <(server=$limit accept= measure "http://127.0.0.1:$limit_port/")
  kill "$limit"; wait "$limit" 2>/dev/null || true; limit=
  echo "$lrps"
}
# With `accept` set (as a browser or CDN asks: "gzip, deflate, br, zstd"), requests carry
# it and the limit sends the same encoded bytes.
row() { # name url [script] — measures one case against its limit and prints the row
  local name=$1 url=$2 script=${3:-} type rps p50 p99 cpu pg lrps coding
  local first=$url
  [ -n "$script" ] && first="http://127.0.0.1:$port$(head -1 "$BENCH_PATHS")"
  read -r type coding < <(curl -fs -o "$data/body" ${accept:+-H "Accept-Encoding: $accept"} \
    -w '%{content_type} %header{content-encoding}\n' "$first")
  [ "$warm" = yes ] && wrk -t2 -c64 -d2s ${script:+-s "$script"} ${accept:+-H "Accept-Encoding: $accept"} "$url" >/dev/null
  read -r rps p50 p99 cpu pg < <(measure "$url" "$script")
  lrps=$(limit_for "$type" "$coding")
  printf '%-44s %9s %8s %8s %8s %8s %9s %6s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$pg" "$lrps" \
    "$(awk -v a="$rps" -v b="$lrps" 'BEGIN {printf "%.2f", a / b}')"
  last_rps=$rps
}
# The same case at half the rate just measured (BENCH_RATE in bench/paths.lua: pauses
# between requests, so the 64 connections arrive about as a Poisson stream): the
# latency of a request on a server with room to spare, where the closed-loop rows above
# measure the queue at saturation (their p50 is about 64 ÷ req/s).
paced() { # name url [paths]
  local name=$1 url=$2 paths=${3:-} rate rps p50 p99 cpu pg
  rate=$(awk -v r="$last_rps" 'BEGIN {printf "%d", r / 2}')
  read -r rps p50 p99 cpu pg < <(BENCH_RATE=$rate BENCH_PATHS=$paths measure "$url" bench/paths.lua)
  printf '%-44s %9s %8s %8s %8s %8s %9s %6s\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$pg" "–" "–"
}
header() {
  printf '%-44s %9s %8s %8s %8s %8s %9s %6s\n' case req/s p50 p99 "cpu ms" "db ms" limit share
}

section=$(sql "select slug from sections order by position, slug limit 1")
tag=$(sql "select t.slug from tags t join article_tags a on a.tag_id = t.id group by t.slug order by count(*) desc limit 1")
hot=$(sql "select slug from articles where status = 'published' order by published_at desc limit 1")
# The long tail: 20,000 stories drawn at random over the whole archive.
export BENCH_PATHS="$data/tail-$backend-$articles.txt"
if [ ! -s "$BENCH_PATHS" ]; then
  sql "select slug from articles where status = 'published' order by random() limit 20000" |
    sed 's|^|/api/v1/articles/|' >"$BENCH_PATHS"
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $backend, $articles stories; wrk -t2 -c64 -d${secs}s over loopback"
echo "cpu ms: the server's user+system CPU per request; db ms: PostgreSQL's (all its processes)"
api="http://127.0.0.1:$port/api/v1"
browser="gzip, deflate, br, zstd"
accept=

# Cold: the response cache off, so every request takes the miss path.
start_server DATELINE_RESPONSE_CACHE_MB=0
header
warm=no
row "long tail: a random story each request" "http://127.0.0.1:$port/" bench/paths.lua
warm=yes
row "long tail again (same 20k stories)" "http://127.0.0.1:$port/" bench/paths.lua
paced "  the same at half that rate (paced)" "http://127.0.0.1:$port/" "$BENCH_PATHS"
accept=$browser row "long tail, as a browser asks (gzip)" "http://127.0.0.1:$port/" bench/paths.lua
row "cold section list ($section, 20)" "$api/articles?section=$section&limit=20"
paced "  the same at half that rate (paced)" "$api/articles?section=$section&limit=20"
accept=$browser row "cold section list, as a browser asks (gzip)" "$api/articles?section=$section&limit=20"
row "cold tag page ($tag, 20)" "$api/articles?tag=$tag&limit=20"
paced "  the same at half that rate (paced)" "$api/articles?tag=$tag&limit=20"
echo "server memory (cache off): $(memory)"
stop_server

# Hot: the cache on, quiet, then while an editor works.
start_server
row "hot article page" "$api/articles/$hot"; quiet_page=$last_rps
accept=$browser row "hot article page, as a browser asks (br)" "$api/articles/$hot"
row "hot section list ($section, 20)" "$api/articles?section=$section&limit=20"; quiet_list=$last_rps
python3 bench/writer.py "http://127.0.0.1:$port" bench@example.com bench-password-1 "$section" 3600 &
writer=$!
row "hot article page, editor writing" "$api/articles/$hot"
echo "  → $(awk -v a="$last_rps" -v b="$quiet_page" 'BEGIN {printf "%.2f", a / b}') of its quiet throughput"
row "hot section list, editor writing" "$api/articles?section=$section&limit=20"
echo "  → $(awk -v a="$last_rps" -v b="$quiet_list" 'BEGIN {printf "%.2f", a / b}') of its quiet throughput"
kill -TERM "$writer"; wait "$writer" || true; writer=
echo "server memory (cache on): $(memory)"
stop_server
