import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { phaseOf } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('interval raised while a lease is held', () => {
  it('the lease is stretched at once: no lapse, no handoff, no slot polled twice', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    const b = fleet.pod('b');
    const old = fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }); // TTL 1900
    a.add(old);
    a.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    b.add(old);
    b.engine.start();
    // go to 50 ms past a slot that is also a slot of the new 3000 ms schedule
    const ph3 = phaseOf('d', 3000);
    const now = fleet.clock.now();
    const s = ph3 + Math.ceil((now + 1000 - ph3) / 3000) * 3000;
    await fleet.clock.advanceBy(s + 50 - now, 5);
    assert.deepEqual(
      fleet.collector
        .pollsOf('d')
        .filter((p) => p.scheduledFor === s)
        .map((p) => p.pod),
      ['a'],
    );
    const raised = fleet.spec('d', { intervalMs: 3000, timeoutMs: 400, revision: 2 });
    a.add(raised);
    b.add(raised);
    await fleet.clock.advanceBy(9000, 10);
    const polls = fleet.collector.pollsOf('d').filter((p) => p.scheduledFor >= s);
    const twice = polls.filter((p) => p.scheduledFor === s);
    assert.equal(twice.length, 1, `slot s polled by ${twice.map((p) => p.pod).join(',')}`);
    await a.stop();
    await b.stop();
  });
});
