import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet } from './harness.js';

describe('a collector that ignores its abort signal', () => {
  it('keeps its lease while the call is in flight, so no other pod polls alongside it', async () => {
    const fleet = new Fleet();
    const spec = fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }); // TTL 1900
    const a = fleet.pod('a');
    const b = fleet.pod('b');
    a.add(spec);
    a.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    b.add(spec);
    b.engine.start();
    await fleet.clock.advanceBy(1000, 10);
    assert.ok(fleet.collector.pollsOf('d').every((p) => p.pod === 'a'));
    // From now on every call hangs for 5 s and ignores the abort at 400 ms.
    fleet.collector.behave('d', async (_d, ctx) => {
      await fleet.collector.delay(5000, ctx.signal, false);
      return { data: {} };
    });
    await fleet.clock.advanceBy(6000, 10);
    assert.equal(fleet.collector.overlaps, 0, 'two polls of d were in flight at once');
    await a.stop();
    await b.stop();
  });
});
