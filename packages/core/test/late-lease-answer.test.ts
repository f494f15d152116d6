import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseStore } from '@pollfleet/core';
import { phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('a lease answer that comes late', () => {
  // Issue 15 item 2: after a stall (a Redis outage, a paused pod) lease answers arrive seconds
  // late; polling when they arrive polled the slot right before the next one.
  it('skips the slot (skipped_late) when the answer comes after min(timeout, interval/2)', async () => {
    const fleet = new Fleet();
    const I = 1000;
    let delayMs = 0;
    const inner = fleet.leases;
    const slow = <T>(fn: () => Promise<T>): Promise<T> => {
      const d = delayMs;
      return d > 0 ? new Promise<void>((r) => fleet.clock.setTimeout(r, d)).then(fn) : fn();
    };
    const store: LeaseStore = {
      acquire: (id, t, ttl, slot) => slow(() => inner.acquire(id, t, ttl, slot)),
      extend: (l, ttl, slot) => slow(() => inner.extend(l, ttl, slot)),
      release: (l) => inner.release(l),
    };
    const pod = fleet.pod('a', { leases: store, dispatchGridMs: 0 });
    pod.add(fleet.spec('d', { intervalMs: I, timeoutMs: 400 })); // bound: min(400, 500) = 400
    pod.engine.start();
    await fleet.clock.advanceBy(2 * I, 10);
    const phase = phaseOf('d', I);
    const s1 = slotAtOrAfter(fleet.clock.now() + 1, phase, I);
    await fleet.clock.advanceBy(s1 - fleet.clock.now() - 5, 5);
    delayMs = 600; // the extend for s1 answers 600 ms after the slot
    await fleet.clock.advanceBy(50, 5);
    delayMs = 350; // within the bound: s1 + I is polled, 350 ms late
    await fleet.clock.advanceBy(I, 5);
    delayMs = 0;
    await fleet.clock.advanceBy(2 * I, 5);
    const polls = fleet.collector.pollsOf('d');
    const slots = polls.map((p) => p.scheduledFor);
    assert.ok(!slots.includes(s1), 'the slot whose lease answer came 600 ms late was polled');
    assert.ok(slots.includes(s1 + I), 'the slot whose answer came 350 ms late was not polled');
    assert.ok(slots.includes(s1 + 2 * I) && slots.includes(s1 + 3 * I), 'polling resumed');
    assert.equal(await pod.metric('pollfleet_polls_total', { outcome: 'skipped_late' }), 1);
    assert.ok(pod.engine.devices()[0]?.leaseHeld, 'the lease was kept');
    await pod.stop();
  });
});
