import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BreakerSnapshot, BreakerStore } from '@pollfleet/core';

/** One implementation under test, fresh (empty) for each test. */
export interface BreakerStoreSubject {
  readonly store: BreakerStore;
  /** Another pod's view of the same store. */
  readonly otherPod: BreakerStore;
  readonly cleanup: () => Promise<void>;
}

const OPEN: BreakerSnapshot = {
  state: 'open',
  consecutiveFailures: 4,
  openings: 2,
  openUntil: 1_732_500_000_000,
  parked: false,
  lastError: { code: 'SNMP_TIMEOUT', kind: 'transient', message: 'no answer in 5000 ms ü' },
};
const PARKED: BreakerSnapshot = {
  state: 'open',
  consecutiveFailures: 1,
  openings: 1,
  openUntil: 1_732_503_600_000,
  parked: true,
  parkedRevision: 1_732_400_000_123,
  lastError: { code: 'SNMP_AUTH', kind: 'permanent', message: 'wrong user' },
};
const HALF_OPEN: BreakerSnapshot = {
  state: 'half-open',
  consecutiveFailures: 3,
  openings: 1,
  openUntil: 0,
  parked: false,
};

/**
 * What the engine relies on from a {@link BreakerStore}: a saved snapshot loads back equal on
 * any pod (every field, optional ones included), a save replaces, delete forgets, devices are
 * independent, and what was never saved loads as undefined.
 */
export function breakerStoreContract(
  name: string,
  create: () => Promise<BreakerStoreSubject>,
): void {
  async function withSubject(body: (s: BreakerStoreSubject) => Promise<void>): Promise<void> {
    const s = await create();
    try {
      await body(s);
    } finally {
      await s.cleanup();
    }
  }

  describe(`BreakerStore contract: ${name}`, () => {
    it('loads undefined for a device never saved', () =>
      withSubject(async ({ store }) => {
        assert.equal(await store.load('never'), undefined);
      }));

    it('round-trips every kind of snapshot, seen by another pod', () =>
      withSubject(async ({ store, otherPod }) => {
        for (const [id, snapshot] of [
          ['open', OPEN],
          ['parked', PARKED],
          ['half-open', HALF_OPEN],
        ] as const) {
          await store.save(id, snapshot);
          assert.deepEqual(await otherPod.load(id), snapshot, id);
        }
      }));

    it('replaces on save, keeps devices apart, and forgets on delete', () =>
      withSubject(async ({ store, otherPod }) => {
        await store.save('d1', OPEN);
        await store.save('d2', PARKED);
        await otherPod.save('d1', HALF_OPEN);
        assert.deepEqual(await store.load('d1'), HALF_OPEN);
        assert.deepEqual(await store.load('d2'), PARKED);
        await otherPod.delete('d1');
        assert.equal(await store.load('d1'), undefined);
        assert.deepEqual(await store.load('d2'), PARKED);
        await store.delete('never'); // deleting nothing is no error
      }));
  });
}
