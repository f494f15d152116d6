#!/usr/bin/env bash
# Runs the node:test suite on the TypeScript test files (Node 20's --test has no globs).
# Usage: scripts/test.sh [--unit|--fuzz|--integration] [path-filter...]   e.g. scripts/test.sh packages/core
#   --unit         only hermetic tests (no PostgreSQL, Redis, snmpd), fuzz files aside: runs anywhere
#   --fuzz         only the hermetic fuzz files (*fuzz*.test.ts)
#   --integration  only the tests that use the machine's services
# scripts/test-files.mjs says which is which (a file is an integration test when it imports
# @pollfleet/testing/services or the SNMP agent, itself or through a local helper).
set -euo pipefail
cd "$(dirname "$0")/.."
scope=all
case "${1:-}" in
  --unit | --fuzz | --integration) scope=${1#--} && shift ;;
esac
list=$(node scripts/test-files.mjs "$scope" "$@")
[ -n "$list" ] || { echo "no $scope test files under ${*:-packages apps test}" >&2; exit 1; }
mapfile -t files <<<"$list"
# A unit run refuses every service (see packages/testing/src/test-services.ts).
[ "$scope" = unit ] || [ "$scope" = fuzz ] && export POLLFLEET_TEST_SCOPE=unit
exec node --conditions=source --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" \
  --test-timeout=180000 --test-reporter="${TEST_REPORTER:-tap}" "${files[@]}"
