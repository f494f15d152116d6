import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease, LeaseStore } from '@pollfleet/core';

/** One implementation under test, fresh (empty) for each test. */
export interface LeaseStoreSubject {
  readonly store: LeaseStore;
  /** Another pod's view of the same store (a second client on the same Redis, say). */
  readonly otherPod: LeaseStore;
  /** Lets `ms` of the store's time pass: the fake clock's, or Redis's by sleeping. */
  readonly elapse: (ms: number) => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

/** Long enough that no test step, however slow the machine, sees it run out by accident. */
const LONG_TTL = 60_000;
/** Short enough to wait out in a test; tests wait well past it, never just up to it. */
const SHORT_TTL = 50;
const PAST_SHORT_TTL = 150;

/**
 * What the engine relies on from a {@link LeaseStore}: acquire only when free, owner-checked
 * extend and release (token and fence), fences that increase with each new owner, the holder's
 * remaining TTL, claimed slots that outlive a lease, `releaseMany`, and expiry.
 */
export function leaseStoreContract(name: string, create: () => Promise<LeaseStoreSubject>): void {
  async function withSubject(body: (s: LeaseStoreSubject) => Promise<void>): Promise<void> {
    const s = await create();
    try {
      await body(s);
    } finally {
      await s.cleanup();
    }
  }

  async function held(
    store: LeaseStore,
    deviceId: string,
    token: string,
    ttlMs = LONG_TTL,
    slot?: number,
  ): Promise<Lease> {
    const out = await store.acquire(deviceId, token, ttlMs, slot);
    assert.ok(out.acquired, `expected ${token} to acquire ${deviceId}`);
    assert.equal(out.lease.deviceId, deviceId);
    assert.equal(out.lease.token, token);
    return out.lease;
  }

  describe(`LeaseStore contract: ${name}`, () => {
    it('acquires a free device, and only one of two racing pods gets it', () =>
      withSubject(async ({ store, otherPod }) => {
        const first = await store.acquire('d1', 'pod-a', LONG_TTL);
        assert.ok(first.acquired);
        assert.equal(first.previousSlot, undefined);
        assert.ok(Number.isSafeInteger(first.lease.fence) && first.lease.fence > 0);
        const [a, b] = await Promise.all([
          store.acquire('race', 'pod-a', LONG_TTL),
          otherPod.acquire('race', 'pod-b', LONG_TTL),
        ]);
        assert.equal([a, b].filter((o) => o.acquired).length, 1);
      }));

    it("tells a pod that finds the device held the holder's remaining TTL, counting down", () =>
      withSubject(async ({ store, otherPod, elapse }) => {
        await held(store, 'd1', 'pod-a', LONG_TTL);
        const first = await otherPod.acquire('d1', 'pod-b', LONG_TTL);
        assert.ok(!first.acquired);
        assert.ok(first.remainingMs > 0 && first.remainingMs <= LONG_TTL, `${first.remainingMs}`);
        await elapse(20);
        const later = await otherPod.acquire('d1', 'pod-b', LONG_TTL);
        assert.ok(!later.acquired);
        assert.ok(later.remainingMs < first.remainingMs, `${later.remainingMs}`);
      }));

    it('re-acquire by the holder keeps its fence and sets the new TTL', () =>
      withSubject(async ({ store, otherPod }) => {
        const first = await held(store, 'd1', 'pod-a', 10_000);
        const again = await held(store, 'd1', 'pod-a', LONG_TTL);
        assert.equal(again.fence, first.fence);
        const seen = await otherPod.acquire('d1', 'pod-b', LONG_TTL);
        assert.ok(!seen.acquired && seen.remainingMs > 10_000, JSON.stringify(seen));
      }));

    it('hands a strictly higher fence to each new owner: after release and after expiry', () =>
      withSubject(async ({ store, otherPod, elapse }) => {
        const a = await held(store, 'd1', 'pod-a');
        assert.equal(await store.release(a), true);
        const b = await held(otherPod, 'd1', 'pod-b', SHORT_TTL);
        assert.ok(b.fence > a.fence, `${b.fence} > ${a.fence}`);
        await elapse(PAST_SHORT_TTL);
        const c = await held(store, 'd1', 'pod-a');
        assert.ok(c.fence > b.fence, `${c.fence} > ${b.fence}`);
      }));

    it('lets a lease expire after its TTL, so another pod can take the device', () =>
      withSubject(async ({ store, otherPod, elapse }) => {
        const a = await held(store, 'd1', 'pod-a', SHORT_TTL);
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.extend(a, LONG_TTL), false, 'an expired lease cannot be extended');
        await held(otherPod, 'd1', 'pod-b');
        assert.equal(await store.release(a), false, 'the expired owner cannot release the new one');
        const seen = await store.acquire('d1', 'pod-a', LONG_TTL);
        assert.ok(!seen.acquired, 'the new owner still holds the device');
      }));

    it('extends only for the owner, and an extended lease outlives its first TTL', () =>
      withSubject(async ({ store, otherPod }) => {
        const a = await held(store, 'd1', 'pod-a', 10_000);
        assert.equal(await otherPod.extend({ ...a, token: 'pod-b' }, LONG_TTL), false);
        assert.equal(await store.extend(a, LONG_TTL), true);
        const seen = await otherPod.acquire('d1', 'pod-b', LONG_TTL);
        assert.ok(!seen.acquired && seen.remainingMs > 10_000, JSON.stringify(seen));
      }));

    it('refuses extend and release of a stale lease whose token owns the device again', () =>
      withSubject(async ({ store, otherPod }) => {
        // A token can own the device again (an acquire retried with the same token after a lost
        // reply, or a store user that keeps one token per pod): a lease it held before someone
        // else owned the device must not act on its new lease; the fence tells them apart.
        const old = await held(store, 'd1', 'pod-a');
        assert.equal(await store.release(old), true);
        const between = await held(otherPod, 'd1', 'pod-b');
        assert.equal(await otherPod.release(between), true);
        const current = await held(store, 'd1', 'pod-a');
        assert.ok(current.fence > old.fence);
        assert.equal(await store.extend(old, LONG_TTL), false, 'stale extend');
        assert.equal(await store.release(old), false, 'stale release');
        assert.equal(await store.extend(current, LONG_TTL), true, 'the current lease still holds');
      }));

    it('releases only for the owner; a released device is free at once', () =>
      withSubject(async ({ store, otherPod }) => {
        const a = await held(store, 'd1', 'pod-a');
        assert.equal(await otherPod.release({ ...a, token: 'pod-b' }), false);
        assert.ok(!(await otherPod.acquire('d1', 'pod-b', LONG_TTL)).acquired, 'still held');
        assert.equal(await store.release(a), true);
        assert.equal(await store.release(a), false, 'a second release finds nothing');
        assert.equal(await store.extend(a, LONG_TTL), false, 'a released lease cannot be extended');
        await held(otherPod, 'd1', 'pod-b');
      }));

    it('tells a new holder the latest slot any earlier holder claimed, kept across release and expiry', () =>
      withSubject(async ({ store, otherPod, elapse }) => {
        const a = await held(store, 'd1', 'pod-a', LONG_TTL, 1_000);
        assert.equal(await store.extend(a, LONG_TTL, 3_000), true);
        assert.equal(await store.extend(a, LONG_TTL, 2_000), true, 'an earlier slot is no claim');
        assert.equal(await store.release(a), true);
        const b = await otherPod.acquire('d1', 'pod-b', SHORT_TTL, 4_000);
        assert.ok(b.acquired);
        assert.equal(b.previousSlot, 3_000);
        await elapse(PAST_SHORT_TTL);
        const c = await store.acquire('d1', 'pod-a', LONG_TTL);
        assert.ok(c.acquired);
        assert.equal(c.previousSlot, 4_000);
        const other = await store.acquire('d2', 'pod-a', LONG_TTL, 9_000);
        assert.ok(other.acquired);
        assert.equal(other.previousSlot, undefined, 'slots are per device');
      }));

    it('re-acquire by the holder claims the slot and reports the previous claim', () =>
      withSubject(async ({ store }) => {
        await held(store, 'd1', 'pod-a', LONG_TTL, 1_000);
        const again = await store.acquire('d1', 'pod-a', LONG_TTL, 2_000);
        assert.ok(again.acquired);
        assert.equal(again.previousSlot, 1_000);
      }));

    it('releaseMany frees the leases still held by their owner and counts them', () =>
      withSubject(async ({ store, otherPod, elapse }) => {
        const releaseMany = store.releaseMany?.bind(store);
        assert.ok(releaseMany, 'the store batches releases at shutdown');
        const mine = await Promise.all(['d1', 'd2', 'd3'].map((d) => held(store, d, 'pod-a')));
        const expired = await held(store, 'd4', 'pod-a', SHORT_TTL);
        const theirs = await held(otherPod, 'd5', 'pod-b');
        await elapse(PAST_SHORT_TTL);
        const forged = { ...theirs, token: 'pod-a' };
        assert.equal(await releaseMany([...mine, expired, forged]), 3);
        assert.equal(await releaseMany([]), 0);
        for (const d of ['d1', 'd2', 'd3', 'd4']) await held(otherPod, d, 'pod-b');
        assert.ok(!(await store.acquire('d5', 'pod-a', LONG_TTL)).acquired, 'not ours to free');
      }));
  });
}
