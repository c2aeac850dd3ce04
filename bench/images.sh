#!/usr/bin/env bash
# Image upload benchmark: a 24-megapixel JPEG through the release server (SQLite, local
# media), from the first byte of the upload to the 201 carrying every rendition, and
# the server's peak memory (VmHWM) over the run. Loopback only; stops by itself.
#   bash bench/images.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
work="$(mktemp -d)"
port=18088
server=
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cargo build --release --quiet
cargo run --release --quiet --example make_photo -- "$work/photo.jpg" 6000 4000 >/dev/null

DATABASE_URL="sqlite://$work/bench.db" DATELINE_MEDIA="$work/media" DATELINE_DATA_DIR="$work" \
DATELINE_LISTEN="127.0.0.1:$port" DATELINE_ADMIN_EMAIL=bench@example.com \
DATELINE_ADMIN_PASSWORD=bench-password-1 RUST_LOG=warn \
  ./target/release/dateline >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

token=$(curl -fs "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-1"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

echo "photo: 6000x4000 JPEG, $(du -k "$work/photo.jpg" | cut -f1) KiB; machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
for i in $(seq 1 "$runs"); do
  # A different byte per run defeats de-duplication, so every run does the full work.
  printf '%s' "$i" >>"$work/photo.jpg"
  t=$(curl -fs -o "$work/out.json" -w '%{time_total}' "http://127.0.0.1:$port/api/v1/images" \
    -H "authorization: Bearer $token" -F "file=@$work/photo.jpg;type=image/jpeg")
  renditions=$(grep -o '"format"' "$work/out.json" | wc -l)
  echo "run $i: ${t}s upload-to-renditions, $renditions renditions"
done
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo "server RSS idle: $((idle_kb / 1024)) MiB; peak during the runs: $((peak_kb / 1024)) MiB"
