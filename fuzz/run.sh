#!/usr/bin/env bash
# Bounded coverage-guided fuzzing of the parsers that take raw input from clients:
# body blocks, the HTML sanitiser, the cursor decoder, the slugger, the image header
# reader and the importers' HTML reader (cargo fuzz, libFuzzer). The seeds in fuzz/corpus/<target> are read,
# never written: new finds go to a scratch corpus under target/.
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Runs on the stable toolchain: no sanitizer (safe Rust) and a dev build with debug
# assertions, so overflow and logic assertions still fire. A crash leaves its input
# in target/fuzz-artifacts/<target>/ and fails the run. The seed is fixed (FUZZ_SEED,
# default 1) so that a CI run can be replayed; set another to explore further.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-30}"
shift || true
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=(blocks sanitize cursor slug image_header import_html)
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SEED="${FUZZ_SEED:-1}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
cargo fuzz build --dev --sanitizer none --target-dir "$TARGET_DIR/fuzz"

for target in "${TARGETS[@]}"; do
  work="$TARGET_DIR/fuzz-corpus/$target"
  artifacts="$TARGET_DIR/fuzz-artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  echo "==> fuzzing $target for ${SECONDS_PER_TARGET}s"
  status=0
  cargo fuzz run --dev --sanitizer none --target-dir "$TARGET_DIR/fuzz" "$target" \
    "$work" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -seed="$SEED" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts" -print_final_stats=1 >"$TARGET_DIR/fuzz-$target.log" 2>&1 || status=$?
  grep -E "DONE|stat::number_of_executed_units|stat::new_units_added|panicked|assertion|  left|  right|SUMMARY" \
    "$TARGET_DIR/fuzz-$target.log" || true
  if [ "$status" -ne 0 ]; then
    echo "FAIL: fuzz target $target found a crash; the input is in $artifacts" >&2
    tail -30 "$TARGET_DIR/fuzz-$target.log" >&2
    exit 1
  fi
done
