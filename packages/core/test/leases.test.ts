import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet, crashable } from './harness.js';

describe('device leases across pods', () => {
  it('two pods: every slot polled exactly once, never by both at once', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    const b = fleet.pod('b');
    for (let i = 0; i < 50; i++) {
      a.add(fleet.spec(String(i)));
      b.add(fleet.spec(String(i)));
    }
    a.engine.start();
    b.engine.start();
    await fleet.clock.advanceBy(8000, 20);
    assert.equal(fleet.collector.overlaps, 0);
    for (let i = 0; i < 50; i++) {
      const slots = fleet.collector.pollsOf(String(i)).map((p) => p.scheduledFor);
      assert.ok(slots.length >= 7, `device ${i}: ${slots.length}`);
      assert.equal(new Set(slots).size, slots.length, `device ${i}: a slot polled twice`);
    }
    // Holders keep their leases: each device stays with one pod.
    for (let i = 0; i < 50; i++) {
      assert.equal(new Set(fleet.collector.pollsOf(String(i)).map((p) => p.pod)).size, 1);
    }
    assert.ok(
      (await a.metric('pollfleet_polls_total', { outcome: 'skipped_lease' })) > 0 ||
        (await b.metric('pollfleet_polls_total', { outcome: 'skipped_lease' })) > 0,
    );
    await a.stop();
    await b.stop();
  });

  it('graceful stop hands devices over at the next slot, without a missed slot', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    a.add(fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }));
    a.engine.start();
    await fleet.clock.advanceBy(2500, 10);
    const b = fleet.pod('b');
    b.add(fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }));
    b.engine.start();
    await fleet.clock.advanceBy(1000, 10);
    assert.ok(fleet.collector.pollsOf('d').every((p) => p.pod === 'a'));
    await a.stop();
    await fleet.clock.advanceBy(3000, 10);
    const slots = fleet.collector.pollsOf('d').map((p) => p.scheduledFor);
    for (let i = 1; i < slots.length; i++)
      assert.equal(slots[i]! - slots[i - 1]!, 1000, `gap at ${i}`);
    assert.ok(fleet.collector.pollsOf('d').some((p) => p.pod === 'b'));
    const fences = fleet.resultsOf('d').map((r) => r.fence);
    assert.ok(fences.at(-1)! > fences[0]!, 'the new owner has a higher fence');
    await b.stop();
  });

  it('crashed pod: another pod takes over within the lease TTL', async () => {
    const fleet = new Fleet();
    const store = crashable(fleet.leases);
    const a = fleet.pod('a', { leases: store });
    const b = fleet.pod('b');
    const spec = fleet.spec('d', { intervalMs: 1000, timeoutMs: 400 }); // TTL = 1000 + 400 + 500
    a.add(spec);
    a.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    b.add(spec);
    b.engine.start();
    await fleet.clock.advanceBy(1000, 10);
    store.crash();
    const crashAt = fleet.clock.now();
    const lastA = Math.max(
      ...fleet.collector
        .pollsOf('d')
        .filter((p) => p.pod === 'a')
        .map((p) => p.startedAt),
    );
    await fleet.clock.advanceBy(5000, 10);
    const firstB = fleet.collector.pollsOf('d').find((p) => p.pod === 'b');
    assert.ok(firstB, 'b took over');
    assert.ok(
      firstB.startedAt - crashAt <= 1900,
      `took ${firstB.startedAt - crashAt} ms after the crash`,
    );
    assert.ok(firstB.startedAt - lastA <= 1900 + 60, `gap ${firstB.startedAt - lastA} ms`);
    assert.equal(fleet.collector.overlaps, 0);
    await b.stop();
  });

  it('a pod whose lease is taken stops polling that device at once', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    a.add(fleet.spec('d'));
    a.engine.start();
    await fleet.clock.advanceBy(2000, 10);
    // Someone else ends up holding the lease (e.g. a partition outlived the TTL).
    const token = fleet.leases.holder('d')!;
    const held = await fleet.leases.acquire('d', token, 60_000); // the holder's lease, as is
    assert.ok(held.acquired);
    assert.equal(await fleet.leases.release(held.lease), true);
    await fleet.leases.acquire('d', 'intruder', 60_000);
    const before = fleet.collector.pollsOf('d').length;
    await fleet.clock.advanceBy(3000, 10);
    assert.equal(fleet.collector.pollsOf('d').length, before);
    assert.equal(
      await a.metric('pollfleet_lease_operations_total', { op: 'extend', outcome: 'lost' }),
      1,
    );
    assert.deepEqual(fleet.collector.forgotten, ['d']);
    await a.stop();
  });

  it('skips polls while the lease store is unreachable rather than risk two pollers', async () => {
    const fleet = new Fleet();
    const a = fleet.pod('a');
    a.add(fleet.spec('d'));
    a.engine.start();
    await fleet.clock.advanceBy(2000, 10);
    fleet.leases.failing = true;
    const before = fleet.collector.pollsOf('d').length;
    await fleet.clock.advanceBy(3000, 10);
    assert.equal(fleet.collector.pollsOf('d').length, before);
    fleet.leases.failing = false;
    await fleet.clock.advanceBy(2000, 10);
    assert.ok(fleet.collector.pollsOf('d').length > before, 'polling resumes');
    assert.ok((await a.metric('pollfleet_polls_total', { outcome: 'skipped_lease_error' })) >= 2);
    await a.stop();
  });
});

describe('logging during a lease store outage', () => {
  it('logs a few summary lines, not one per device per interval', async () => {
    const { pino } = await import('pino');
    const lines: { msg: string; similarSinceLast?: number }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) },
    );
    const fleet = new Fleet();
    const pod = fleet.pod('a', { logger });
    for (let i = 0; i < 100; i++) pod.add(fleet.spec(String(i)));
    pod.engine.start();
    await fleet.clock.advanceBy(2000, 20);
    fleet.leases.failing = true;
    await fleet.clock.advanceBy(25_000, 50);
    const outage = lines.filter((l) => /could not (extend|acquire) leases/.test(l.msg));
    assert.ok(outage.length >= 2 && outage.length <= 6, `${outage.length} lines`);
    assert.ok(
      outage.some((l) => (l.similarSinceLast ?? 0) > 500),
      'suppressed lines are counted',
    );
    await pod.stop();
  });
});
