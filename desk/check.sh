#!/usr/bin/env bash
# The desk's build check CI runs (`bash desk/check.sh`): install the pinned tools,
# generate the API types from openapi/openapi.json, type-check the desk against them
# (a contract change that breaks the desk fails here), bundle it, and fail when the
# result differs from the committed desk/dist/ (the files the binary embeds), or when
# the editor's JavaScript breaks its size budget (build.mjs).
# After changing desk/src or the API: `cd desk && npm ci && npm run build`, commit dist/.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

step "node $(node --version), npm $(npm --version)"
step "npm ci (pinned by package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

step "generate types, type-check, bundle (npm run build)"
npm run --silent build

step "the committed desk/dist/ is what the sources build"
if ! git diff --exit-code --stat -- dist/ || [ -n "$(git ls-files --others --exclude-standard -- dist/)" ]; then
  git ls-files --others --exclude-standard -- dist/
  echo "desk/dist/ differs from a fresh build of desk/src: run 'cd desk && npm ci && npm run build' and commit dist/" >&2
  exit 1
fi
echo "desk/dist/ matches its sources"
