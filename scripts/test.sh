#!/usr/bin/env bash
# Everything CI checks: install, build + typecheck, lint, then every package's tests (two packages at a
# time, longest first: most suites keep one core busy, waiting on one engine thread or one browser page at a time). All stages run even when one fails, so one run shows every
# problem; the exit status is non-zero when any stage failed, and the last line is the test count.
# CI=true: WebGPU suites that find no WebGPU adapter fail instead of skipping; nothing else changes.
# Extra arguments go to turbo, e.g. `bash scripts/test.sh --filter=@resblocks/spec` (lint stays repo-wide).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/install.sh
source scripts/install.sh
install_all

failed=()
timings=()
stage() {
  local name="$1" start=$SECONDS
  shift
  say "$name: $*"
  if "$@"; then
    timings+=("$name: $((SECONDS - start)) s")
  else
    timings+=("$name: $((SECONDS - start)) s, FAILED")
    failed+=("$name")
  fi
}

# Reports from an earlier run must not be counted again (turbo restores them on a cache hit).
rm -f packages/*/reports/vitest.json
plan="$(mktemp)"
trap 'rm -f "$plan"' EXIT
turbo run test --dry=json "$@" >"$plan"

stage "build+typecheck" turbo run build typecheck --continue "$@"
stage "lint" biome check .
# Two packages at a time, longest first (turbo would start the longest, the browser tests, last).
stage "test" node scripts/test-lanes.mjs "$plan" -- \
  --reporter=default --reporter=json --outputFile.json=reports/vitest.json

echo
for t in "${timings[@]}"; do say "$t"; done
((${#failed[@]} == 0)) || say "FAILED: ${failed[*]}"
# Per-package counts, then the summary as the very last line; non-zero when a test failed, a package
# left no report, or no test ran at all.
summary_ok=1
node scripts/summarize-tests.mjs "$plan" || summary_ok=0
((${#failed[@]} == 0 && summary_ok == 1))
