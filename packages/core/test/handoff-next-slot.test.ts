import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseStore } from '@pollfleet/core';
import { phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { Fleet } from './harness.js';

/** The shared store as a pod sees it over the network: every call arrives `ms` later. */
function withLatency(fleet: Fleet, ms: number): LeaseStore {
  const inner = fleet.leases;
  const later = <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<void>((r) => fleet.clock.setTimeout(r, ms)).then(fn);
  return {
    acquire: (id, t, ttl, slot) => later(() => inner.acquire(id, t, ttl, slot)),
    extend: (l, ttl, slot) => later(() => inner.extend(l, ttl, slot)),
    release: (l) => later(() => inner.release(l)),
  };
}

describe('handoff at SIGTERM', () => {
  // Issue 15 item 3: with a lease TTL that is a multiple of the interval (5 s + 2 s + 3 s = 10 s),
  // the new holder's takeover attempt falls just after a slot; it fired while that slot's run was
  // in flight, was taken for the slot itself and skipped the next real slot as an "overlap".
  it('every slot after the handoff is polled once, by the new holder', async () => {
    const fleet = new Fleet();
    const I = 5000;
    const N = 60;
    const ids = Array.from({ length: N }, (_, i) => `dev-${i}`);
    // b's acquire at a slot reaches the store before a's extend of the same slot, so b learns
    // the expiry of a's previous extend: b's takeover attempt lands a few ms after a slot.
    const a = fleet.pod('a', { leaseMarginMs: 3000, leases: withLatency(fleet, 5) });
    const b = fleet.pod('b', { leaseMarginMs: 3000, leases: withLatency(fleet, 2) });
    for (const id of ids) {
      fleet.collector.behave(id, async (_d, ctx) => {
        await fleet.collector.delay(100, ctx.signal);
        return { data: {} };
      });
      a.add(fleet.spec(id, { intervalMs: I, timeoutMs: 2000 }));
    }
    a.engine.start();
    await fleet.clock.advanceBy(2 * I, 10);
    for (const id of ids) b.add(fleet.spec(id, { intervalMs: I, timeoutMs: 2000 }));
    b.engine.start();
    await fleet.clock.advanceBy(2 * I + 1234, 10);
    const stoppedAt = fleet.clock.now();
    await a.stop();
    await fleet.clock.advanceBy(5 * I, 10);
    const end = fleet.clock.now();
    const missed: string[] = [];
    for (const id of ids) {
      const phase = phaseOf(id, I);
      const polled = fleet.collector.pollsOf(id).map((p) => p.scheduledFor);
      // From the first slot after the stop began (a slot due while a is releasing may be lost)
      // to the last one that has had time to finish.
      for (let s = slotAtOrAfter(stoppedAt + I, phase, I); s + 200 < end; s += I) {
        const n = polled.filter((x) => x === s).length;
        if (n !== 1) missed.push(`${id}@${s - stoppedAt}:${n}`);
      }
    }
    assert.deepEqual(missed, [], `${missed.length} slots not polled exactly once`);
    assert.equal(fleet.collector.overlaps, 0);
    await b.stop();
  });
});
