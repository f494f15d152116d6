import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseStore } from '@pollfleet/core';
import { phaseOf } from '@pollfleet/core';
import { Fleet } from './harness.js';

/** B's lease round trip is slow (network latency, or B's run starting late from its ready queue). */
function slow(inner: LeaseStore, clock: Fleet['clock'], ms: number): LeaseStore {
  const later = <T>(fn: () => Promise<T>) =>
    new Promise<void>((r) => clock.setTimeout(r, ms)).then(fn);
  return {
    acquire: (id, t, ttl, slot) => later(() => inner.acquire(id, t, ttl, slot)),
    extend: (l, ttl, slot) => later(() => inner.extend(l, ttl, slot)),
    release: (l) => later(() => inner.release(l)),
  };
}

describe('SIGTERM handoff while the new holder run is late', () => {
  it('the new holder does not poll the slot the old holder already polled', async () => {
    const fleet = new Fleet();
    const I = 1000;
    const spec = fleet.spec('d', { intervalMs: I, timeoutMs: 400 });
    const a = fleet.pod('a');
    const b = fleet.pod('b', { leases: slow(fleet.leases, fleet.clock, 150) });
    a.add(spec);
    a.engine.start();
    await fleet.clock.advanceBy(2 * I, 10); // a holds the lease
    b.add(spec);
    b.engine.start();
    // move to 50 ms after a slot: a polled it, b's acquire for the same slot is still on its way
    const phase = phaseOf('d', I);
    const now = fleet.clock.now();
    const nextSlot = phase + Math.ceil((now - phase) / I) * I;
    await fleet.clock.advanceBy(nextSlot - now + I + 50, 5);
    const slot = nextSlot + I;
    assert.deepEqual(
      fleet.collector
        .pollsOf('d')
        .filter((p) => p.scheduledFor === slot)
        .map((p) => p.pod),
      ['a'],
    );
    await a.engine.stop(1000); // SIGTERM: a is idle, releases at once
    await fleet.clock.advanceBy(3 * I, 10);
    const dup = fleet.collector.pollsOf('d').filter((p) => p.scheduledFor === slot);
    assert.equal(
      dup.length,
      1,
      `slot ${slot} polled ${dup.length} times: ${dup.map((p) => p.pod).join(',')}`,
    );
    await b.stop();
  });
});
