import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseStore } from '@pollfleet/core';
import { phaseOf } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('takeover after a graceful release', () => {
  it('the new holder skips the slot the old holder polled just before SIGTERM', async () => {
    const fleet = new Fleet();
    const I = 1000;
    const spec = fleet.spec('d', { intervalMs: I, timeoutMs: 400 }); // TTL 1900
    // a's extend reaches the store 5 ms after b's acquire for the same slot (both pods fire at
    // the same slot time; which command Redis sees first is arbitrary)
    const inner = fleet.leases;
    const aStore: LeaseStore = {
      acquire: (id, t, ttl, slot) => inner.acquire(id, t, ttl, slot),
      extend: (l, ttl, slot) =>
        new Promise<void>((r) => fleet.clock.setTimeout(r, 5)).then(() =>
          inner.extend(l, ttl, slot),
        ),
      release: (l) => inner.release(l),
    };
    const a = fleet.pod('a', { leases: aStore });
    const b = fleet.pod('b');
    a.add(spec);
    a.engine.start();
    await fleet.clock.advanceBy(2 * I, 10);
    b.add(spec);
    b.engine.start();
    const phase = phaseOf('d', I);
    const now = fleet.clock.now();
    const s = phase + Math.ceil((now + I - phase) / I) * I; // a slot at least 1 interval away
    await fleet.clock.advanceBy(s + 100 - now, 5);
    assert.deepEqual(
      fleet.collector
        .pollsOf('d')
        .filter((p) => p.scheduledFor === s)
        .map((p) => p.pod),
      ['a'],
    );
    await a.engine.stop(1000); // SIGTERM 100 ms after the slot: a is idle and releases d
    await fleet.clock.advanceBy(2 * I, 5);
    const polls = fleet.collector.pollsOf('d').filter((p) => p.scheduledFor === s);
    assert.equal(polls.length, 1, `slot s polled by ${polls.map((p) => p.pod).join(',')}`);
    await b.stop();
  });
});
