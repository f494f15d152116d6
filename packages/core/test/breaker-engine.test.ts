import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failWith } from '@pollfleet/testing';
import { Fleet } from './harness.js';

describe('circuit breaker in the engine', () => {
  it('backs a failing device off exponentially and recovers when it answers', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a', { breaker: { baseBackoffMs: 2000, maxBackoffMs: 8000, jitter: 0 } });
    fleet.collector.behave('d', failWith('transient'));
    pod.add(fleet.spec('d'));
    pod.engine.start();
    await fleet.clock.advanceBy(30_000, 20);
    const starts = fleet.collector.pollsOf('d').map((p) => p.startedAt);
    const gaps = starts.slice(1).map((t, i) => Math.round((t - starts[i]!) / 1000));
    // 3 failures a second apart, then open for 2, 4, 8, 8 s (trial polls fall on the next slot).
    assert.deepEqual(gaps.slice(0, 6), [1, 1, 2, 4, 8, 8]);
    assert.ok((await pod.metric('pollfleet_polls_total', { outcome: 'skipped_breaker' })) > 15);
    assert.equal(pod.engine.devices()[0]?.breaker.state, 'open');
    fleet.collector.behave('d', undefined);
    await fleet.clock.advanceBy(12_000, 20);
    const last = fleet.resultsOf('d').at(-1);
    assert.equal(last?.ok, true);
    assert.equal(pod.engine.devices()[0]?.breaker.state, 'closed');
    // Back to one poll per slot (the wall-clock fleet test only checks that it recovers).
    const healed = fleet.resultsOf('d').slice(-3);
    assert.deepEqual(
      healed.slice(1).map((r, i) => r.scheduledFor - healed[i]!.scheduledFor),
      [1000, 1000],
    );
    await pod.stop();
  });

  it('parks a permanent failure at the maximum backoff with the reason', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a', {
      breaker: { baseBackoffMs: 1000, maxBackoffMs: 20_000, jitter: 0 },
    });
    fleet.collector.behave('d', failWith('permanent', 'AUTH_FAILED'));
    pod.add(fleet.spec('d'));
    pod.engine.start();
    await fleet.clock.advanceBy(19_000, 50);
    assert.equal(fleet.collector.pollsOf('d').length, 1);
    const b = pod.engine.devices()[0]?.breaker;
    assert.equal(b?.parked, true);
    assert.equal(b?.lastError?.code, 'AUTH_FAILED');
    await pod.stop();
  });

  it('keeps its backoff when the device moves to another pod', async () => {
    const fleet = new Fleet();
    const opts = { breaker: { baseBackoffMs: 10_000, jitter: 0 } };
    const a = fleet.pod('a', opts);
    fleet.collector.behave('d', failWith('transient'));
    a.add(fleet.spec('d'));
    a.engine.start();
    await fleet.clock.advanceBy(3500, 10);
    assert.equal(fleet.breakers.snapshots.get('d')?.state, 'open');
    await a.stop();
    const b = fleet.pod('b', opts);
    b.add(fleet.spec('d'));
    b.engine.start();
    const before = fleet.collector.pollsOf('d').length;
    await fleet.clock.advanceBy(5000, 10);
    assert.equal(fleet.collector.pollsOf('d').length, before, 'b respects the open breaker');
    await fleet.clock.advanceBy(5000, 10);
    assert.equal(fleet.collector.pollsOf('d').length, before + 1, 'one half-open trial');
    await b.stop();
  });
});

describe('un-parking a device', () => {
  it('a changed row (the fix) gets a poll at once instead of waiting out the parking', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a', {
      breaker: { baseBackoffMs: 1000, maxBackoffMs: 600_000, jitter: 0 },
    });
    fleet.collector.behave('1', failWith('permanent', 'AUTH_FAILED'));
    fleet.inventory.put({ id: '1' });
    const rec = pod.reconciler();
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(3000, 10);
    assert.equal(pod.engine.devices()[0]?.breaker.parked, true);
    const parkedPolls = fleet.collector.pollsOf('1').length;
    await fleet.clock.advanceBy(5000, 10);
    assert.equal(fleet.collector.pollsOf('1').length, parkedPolls, 'parked: not polled');
    // The operator fixes the row (in PostgreSQL a credentials change also touches the row).
    fleet.collector.behave('1', undefined);
    fleet.inventory.put({ id: '1', options: { fixed: true } });
    await fleet.clock.advanceBy(2000, 10);
    assert.ok(fleet.collector.pollsOf('1').length > parkedPolls, 'polled again after the fix');
    assert.equal(pod.engine.devices()[0]?.breaker.state, 'closed');
    assert.equal(
      fleet.breakers.snapshots.get('1')?.state,
      'closed',
      'the shared state says so too',
    );
    await rec.stop();
    await pod.stop();
  });

  it('an unchanged row stays parked, and the parking follows the device to another pod', async () => {
    const fleet = new Fleet();
    const opts = { breaker: { baseBackoffMs: 1000, maxBackoffMs: 600_000, jitter: 0 } };
    const a = fleet.pod('a', opts);
    fleet.collector.behave('1', failWith('permanent', 'AUTH_FAILED'));
    a.add(fleet.spec('1'));
    a.engine.start();
    await fleet.clock.advanceBy(2000, 10);
    await a.stop();
    const b = fleet.pod('b', opts);
    b.add(fleet.spec('1'));
    b.engine.start();
    const before = fleet.collector.pollsOf('1').length;
    await fleet.clock.advanceBy(10_000, 10);
    assert.equal(fleet.collector.pollsOf('1').length, before);
    assert.equal(fleet.breakers.snapshots.get('1')?.parkedRevision, 1);
    await b.stop();
  });
});
