#!/usr/bin/env bash
# The typed-client check CI runs (`bash clients/typescript/check.sh`): install the
# pinned tools, generate TypeScript types from openapi/openapi.json, type-check a
# realistic client against them (src/usage.ts), and lint the document.
# A breaking change to the API fails the type-check; a malformed or non-conventional
# document fails the lint. Both always run, so one run shows every finding. Fix
# findings in the Rust that generates the document, never in openapi.json.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }
failed=()

step "node $(node --version), npm $(npm --version)"

step "npm ci (pinned by package-lock.json)"
npm ci --no-audit --no-fund

step "generate src/schema.d.ts from ../../openapi/openapi.json (openapi-typescript)"
npm run --silent generate

step "type-check src/usage.ts against the generated types (tsc --noEmit, strict)"
if npm run --silent typecheck; then echo "typecheck: ok"; else failed+=("typecheck"); fi

step "lint ../../openapi/openapi.json (redocly lint, rules in redocly.yaml)"
if npm run --silent lint:spec; then echo "lint:spec: ok"; else failed+=("lint:spec"); fi

if [ "${#failed[@]}" -gt 0 ]; then
  step "FAILED: ${failed[*]} (see above)"
  exit 1
fi
step "typed client check and spec lint passed"
