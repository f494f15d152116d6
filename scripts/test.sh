#!/usr/bin/env bash
# Runs the node:test suite on the TypeScript test files (Node 20's --test has no globs).
# Usage: scripts/test.sh [path-filter...]   e.g. scripts/test.sh packages/core
set -euo pipefail
cd "$(dirname "$0")/.."
roots=("$@")
[ ${#roots[@]} -gt 0 ] || roots=(packages apps test)
mapfile -t files < <(find "${roots[@]}" -path '*/node_modules' -prune -o -name '*.test.ts' -print | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files under ${roots[*]}" >&2; exit 1; }
exec node --conditions=source --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" \
  --test-timeout=180000 --test-reporter="${TEST_REPORTER:-tap}" "${files[@]}"
