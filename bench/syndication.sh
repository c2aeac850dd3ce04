#!/usr/bin/env bash
# Syndication benchmark: feed generation for 50 stories (RSS, Atom, JSON Feed; median
# of single requests, then wrk throughput for RSS) and webhook latency from the
# publish request to the receiver's clock, over loopback on the release server with
# SQLite (the demo newsroom plus 30 more stories). Stops by itself.
#   bash bench/syndication.sh [publishes]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
work="$(mktemp -d)"
port=18090
hook_port=18091
server=
receiver=
trap 'for p in $server $receiver; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --quiet

export DATABASE_URL="sqlite://$work/bench.db" DATELINE_MEDIA="$work/media" DATELINE_DATA_DIR="$work" \
  DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
  DATELINE_ADMIN_PASSWORD=bench-password-1 DATELINE_WEBHOOKS_ALLOW_PRIVATE=true RUST_LOG=warn
./target/release/dateline demo >/dev/null
./target/release/dateline >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
api="http://127.0.0.1:$port/api/v1"
token=$(curl -fs "$api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-1"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
auth="authorization: Bearer $token"
json='content-type: application/json'

publish() { # headline -> prints the time (s) the publish request was sent
  local id version
  read -r id version < <(curl -fs "$api/articles" -H "$auth" -H "$json" -d "{\"headline\": \"$1\", \"standfirst\": \"A benchmark story\", \"section\": \"world\", \"body\": [{\"type\": \"paragraph\", \"html\": \"Words <em>and</em> more words, $(printf 'word %.0s' $(seq 1 300))\"}]}" \
    | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["id"], a["version"])')
  date +%s.%N
  curl -fs -o /dev/null "$api/articles/$id/publish" -H "$auth" -H "$json" -d "{\"version\": $version}"
}
for i in $(seq 1 30); do publish "Extra story $i" >/dev/null; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; SQLite, release build, loopback"
echo "feed generation, 50 stories (median of 21 single requests; body size):"
for feed in rss atom json; do
  url="http://127.0.0.1:$port/feeds/$feed?limit=50"
  bytes=$(curl -fs "$url" | wc -c)
  times=$(for _ in $(seq 1 21); do curl -fs -o /dev/null -w '%{time_total}\n' "$url"; done | sort -n)
  echo "  /feeds/$feed: median $(sed -n 11p <<<"$times") s, min $(head -1 <<<"$times") s, max $(tail -1 <<<"$times") s, $bytes bytes"
done
out=$(wrk -t2 -c16 -d5s --latency "http://127.0.0.1:$port/feeds/rss?limit=50")
echo "  wrk -c16 /feeds/rss?limit=50: $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s, p50 $(awk '$1 == "50%" {print $2}' <<<"$out"), p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"

# A receiver that notes when each event arrived (its own clock, same machine).
cat >"$work/receiver.py" <<'PY'
import http.server, json, sys, time
log = open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        event = json.loads(body)
        log.write(f'{time.time():.6f} {event["type"]} {event["data"].get("article", {}).get("headline", "")}\n')
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/receiver.py" "$hook_port" "$work/received.log" &
receiver=$!
sleep 0.5
curl -fs -o /dev/null "$api/webhooks" -H "$auth" -H "$json" \
  -d "{\"url\": \"http://127.0.0.1:$hook_port/hook\", \"events\": [\"article.published\"]}"
latencies=()
for i in $(seq 1 "$runs"); do
  start=$(publish "Webhook probe $i")
  for _ in $(seq 1 200); do grep -q "Webhook probe $i\$" "$work/received.log" && break; sleep 0.005; done
  got=$(awk -v h="Webhook probe $i" '$0 ~ h"$" {print $1}' "$work/received.log")
  latencies+=("$(awk -v a="$start" -v b="$got" 'BEGIN {printf "%.1f", (b - a) * 1000}')")
done
sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
echo "webhook latency, publish request sent to event received ($runs publishes):"
echo "  median $(sed -n "$(( (runs + 1) / 2 ))p" <<<"$sorted") ms, min $(head -1 <<<"$sorted") ms, max $(tail -1 <<<"$sorted") ms"
one=$(curl -fs -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/healthz")
echo "  (for scale: one /healthz request with curl takes ${one} s here)"
