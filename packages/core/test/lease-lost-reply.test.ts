import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseStore } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('an acquire that succeeded in the store but whose reply was lost', () => {
  it('is re-acquired with the same token: no ghost lease, no missed TTL', async () => {
    const fleet = new Fleet();
    let loseNext = false;
    const lossy: LeaseStore = {
      acquire: async (id, t, ttl, slot) => {
        const r = await fleet.leases.acquire(id, t, ttl, slot);
        if (loseNext && r.acquired) {
          loseNext = false;
          throw new Error('Command timed out'); // applied in Redis, reply lost (commandTimeout / resend)
        }
        return r;
      },
      extend: (l, ttl, slot) => fleet.leases.extend(l, ttl, slot),
      release: (l) => fleet.leases.release(l),
    };
    const I = 1000;
    const a = fleet.pod('a', { leases: lossy, leaseMarginMs: 15_000 }); // TTL = 1000 + 400 + 15000
    loseNext = true;
    a.add(fleet.spec('d', { intervalMs: I, timeoutMs: 400 }));
    a.engine.start();
    await fleet.clock.advanceBy(20 * I, 10);
    const polls = fleet.collector.pollsOf('d').length;
    assert.ok(polls >= 18, `only ${polls} polls in 20 intervals`);
    await a.stop();
  });
});
