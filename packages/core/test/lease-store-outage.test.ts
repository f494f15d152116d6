import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { LeaseStore } from '@pollfleet/core';
import { phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { MemoryLeaseStore } from '@pollfleet/testing';
import { Fleet } from './harness.js';

describe('the lease store goes away and comes back empty', () => {
  // Issue 15 item 15: /status showed leases as held while Redis was unreachable; after Redis came
  // back empty the log said "lost to another pod" (there was none) and a slot was missed.
  it('shows the lease as unknown, says the lease was gone, and polls the next slot', async () => {
    const fleet = new Fleet();
    let store = new MemoryLeaseStore(fleet.clock);
    const leases: LeaseStore = {
      acquire: (id, t, ttl, slot) => store.acquire(id, t, ttl, slot),
      extend: (l, ttl, slot) => store.extend(l, ttl, slot),
      release: (l) => store.release(l),
    };
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const pod = fleet.pod('a', { leases, logger, dispatchGridMs: 0 });
    const I = 1000;
    pod.add(fleet.spec('d', { intervalMs: I, timeoutMs: 400 }));
    pod.engine.start();
    await fleet.clock.advanceBy(2 * I, 10);
    assert.equal(pod.engine.devices()[0]?.leaseState, 'held');
    store.failing = true;
    await fleet.clock.advanceBy(3 * I, 10);
    const during = pod.engine.devices()[0];
    assert.equal(during?.leaseState, 'unknown');
    assert.equal(during?.leaseHeld, false);
    store = new MemoryLeaseStore(fleet.clock); // back, without the data
    const next = slotAtOrAfter(fleet.clock.now() + 1, phaseOf('d', I), I);
    await fleet.clock.advanceBy(next - fleet.clock.now() + 100, 10);
    const slots = fleet.collector.pollsOf('d').map((p) => p.scheduledFor);
    assert.ok(slots.includes(next), 'the first slot after the store came back was not polled');
    assert.equal(pod.engine.devices()[0]?.leaseState, 'held');
    const log = lines.join('');
    assert.doesNotMatch(log, /lost to another pod/);
    assert.match(log, /lease was gone \(lease store reset, or the lease expired/);
    await pod.stop();
  });
});
