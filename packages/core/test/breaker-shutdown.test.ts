import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failWith } from '@pollfleet/testing';
import { Fleet } from './harness.js';

describe('shutdown abort of a half-open trial', () => {
  it('is not recorded as a device failure: no doubled backoff, not the last error', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a', { breaker: { failureThreshold: 1, jitter: 0 } });
    fleet.collector.behave('d', failWith('transient'));
    a.add(fleet.spec('d', { intervalMs: 1000, timeoutMs: 900 }));
    a.engine.start();
    await fleet.clock.advanceBy(1100, 10); // one failure: open, openings 1
    assert.equal((await fleet.breakers.load('d'))?.openings, 1);
    // the device is healthy again but slow; the next trial is in flight when SIGTERM comes
    fleet.collector.behave('d', async (_d, ctx) => {
      await fleet.collector.delay(800, ctx.signal);
      return { data: {} };
    });
    while (
      !fleet.collector
        .pollsOf('d')
        .some((p) => p.startedAt > fleet.clock.now() - 100 && p.startedAt <= fleet.clock.now())
    )
      await fleet.clock.advance(10);
    const stopping = a.engine.stop(100);
    await fleet.clock.advanceBy(500, 10);
    await stopping;
    const saved = await fleet.breakers.load('d');
    assert.equal(saved?.openings, 1, 'a poll aborted by our own shutdown doubled the backoff');
    assert.notEqual(saved?.lastError?.code, 'POLLER_STOPPING');
    assert.ok((saved?.openUntil ?? Infinity) <= fleet.clock.now(), 'the next pod may try at once');
    assert.ok(
      fleet.resultsOf('d').every((r) => r.error?.code !== 'POLLER_STOPPING'),
      'nothing published',
    );
  });
});
