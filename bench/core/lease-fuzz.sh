#!/usr/bin/env bash
# The full run of the lease fuzz tests (the suite runs a bounded number of seeds).
# Usage: bash bench/core/lease-fuzz.sh [seeds] [first-seed]   (default: 200 seeds from 1)
# Each seed checks safety (no slot polled twice, never two pollers at once) and liveness (every
# due slot of a device held by a live pod is polled). A failing seed prints its number; run it
# alone with POLLFLEET_FUZZ_SEEDS=1 POLLFLEET_FUZZ_FIRST_SEED=<n>.
set -euo pipefail
cd "$(dirname "$0")/../.."
export POLLFLEET_FUZZ_SEEDS="${1:-200}"
export POLLFLEET_FUZZ_FIRST_SEED="${2:-1}"
start=$(date +%s)
node --conditions=source --import tsx --test --test-concurrency=1 --test-timeout=0 \
  --test-reporter="${TEST_REPORTER:-dot}" \
  packages/core/test/lease-fuzz-pods.test.ts packages/core/test/lease-fuzz-updates.test.ts
echo "lease fuzz: ${POLLFLEET_FUZZ_SEEDS} seeds per file from ${POLLFLEET_FUZZ_FIRST_SEED}, $(( $(date +%s) - start )) s"
