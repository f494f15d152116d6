/**
 * Seeds a fuzz file runs: `POLLFLEET_FUZZ_SEEDS` of them (a bounded default in the suite; a
 * full run is `bash bench/core/lease-fuzz.sh`), starting at `POLLFLEET_FUZZ_FIRST_SEED` (1),
 * so a failing seed can be run alone.
 */
export function fuzzSeeds(defaultCount: number): number[] {
  const count = Number(process.env.POLLFLEET_FUZZ_SEEDS ?? defaultCount);
  const first = Number(process.env.POLLFLEET_FUZZ_FIRST_SEED ?? 1);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(first)) {
    throw new Error(
      'POLLFLEET_FUZZ_SEEDS must be a whole number of seeds and POLLFLEET_FUZZ_FIRST_SEED an integer',
    );
  }
  return Array.from({ length: count }, (_, k) => first + k);
}
