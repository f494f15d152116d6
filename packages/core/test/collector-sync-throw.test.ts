import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Collector } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('a collector whose collect() throws synchronously once', () => {
  it('fails that poll only; the device keeps being polled', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    let calls = 0;
    const collector: Collector = {
      type: 'scripted',
      defaultPort: 9,
      parseOptions: (raw) => raw,
      // not `async`: a sync throw on the first call (e.g. a guard / a null deref before the first await)
      collect: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return Promise.resolve({ data: { ok: true } });
      },
      close: () => Promise.resolve(),
    };
    a.engine.upsert(fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }), collector);
    a.engine.start();
    await fleet.clock.advanceBy(10_000, 10);
    assert.ok(calls >= 9, `only ${calls} collect call(s) in 10 intervals`);
    await a.stop();
  });
});
