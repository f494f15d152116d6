import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { DueQueue } from '@pollfleet/core/internal';
import { Fleet } from './harness.js';

describe('due queue and phases', () => {
  it('pops items in due order and only when due', () => {
    const q = new DueQueue<string>();
    const due = [50, 10, 40, 10, 30, 20, 60, 0];
    due.forEach((d, i) => q.push(d, `${d}-${i}`));
    assert.equal(q.popDue(-1), undefined);
    const out: number[] = [];
    for (let x = q.popDue(45); x; x = q.popDue(45)) out.push(Number(x.split('-')[0]));
    assert.deepEqual(out, [0, 10, 10, 20, 30, 40]);
    assert.equal(q.size, 2);
  });

  it('derives the same phase for an id everywhere and spreads ids across the interval', () => {
    assert.equal(phaseOf('router-17', 60_000), phaseOf('router-17', 60_000));
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(phaseOf(String(i), 60_000) / 6000)]!++;
    for (const b of buckets) assert.ok(b > 800 && b < 1200, `bucket ${b} of 10000 is uneven`);
    const s = slotAtOrAfter(1_000_123, 250, 1000);
    assert.equal(s, 1_000_250);
  });
});

describe('poll engine scheduling', () => {
  it('polls every device once per interval, on its phase slot', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    for (let i = 0; i < 100; i++) pod.add(fleet.spec(String(i)));
    pod.engine.start();
    await fleet.clock.advanceBy(10_000, 50);
    for (let i = 0; i < 100; i++) {
      const polls = fleet.collector.pollsOf(String(i));
      assert.ok(polls.length >= 9 && polls.length <= 10, `device ${i}: ${polls.length} polls`);
      const phase = phaseOf(String(i), 1000);
      for (const p of polls) assert.equal((p.scheduledFor - phase) % 1000, 0);
      const slots = polls.map((p) => p.scheduledFor);
      assert.equal(new Set(slots).size, slots.length, 'a slot was polled twice');
    }
    assert.equal(fleet.collector.overlaps, 0);
    assert.ok(fleet.bus.results.every((r) => r.ok && r.fence >= 1 && r.podId === 'a'));
    await pod.stop();
  });

  it('starts due polls on the dispatch grid, for the same slots; grid 0 starts them exactly on time', async () => {
    for (const grid of [0, 20, 100]) {
      const fleet = new Fleet();
      const pod = fleet.pod('a', { dispatchGridMs: grid });
      for (let i = 0; i < 50; i++) pod.add(fleet.spec(String(i)));
      pod.engine.start();
      await fleet.clock.advanceBy(3000, 1);
      let onGrid = 0;
      for (let i = 0; i < 50; i++) {
        const phase = phaseOf(String(i), 1000);
        for (const p of fleet.collector.pollsOf(String(i))) {
          assert.equal((p.scheduledFor - phase) % 1000, 0, 'the slot is the phase slot');
          const late = p.startedAt - p.scheduledFor;
          const expected =
            grid === 0 ? 0 : Math.ceil(p.scheduledFor / grid) * grid - p.scheduledFor;
          assert.equal(late, expected, `device ${i} grid ${grid}`);
          if (grid > 0 && p.startedAt % grid === 0) onGrid++;
        }
      }
      if (grid > 0) assert.ok(onGrid >= 100, `polls on the grid: ${onGrid}`);
      await pod.stop();
    }
    assert.throws(() => new Fleet().pod('x', { dispatchGridMs: -1 }), /dispatchGridMs/);
  });

  it('bounds concurrency: polls start late instead of piling up, and lateness is measured', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a', { concurrency: 5 });
    let inFlight = 0;
    let maxInFlight = 0;
    for (let i = 0; i < 40; i++) {
      pod.add(fleet.spec(String(i), { intervalMs: 1000, timeoutMs: 900 }));
      fleet.collector.behave(String(i), async (_d, ctx) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await fleet.collector.delay(300, ctx.signal);
          return { data: {} };
        } finally {
          inFlight--;
        }
      });
    }
    pod.engine.start();
    await fleet.clock.advanceBy(5000, 25);
    assert.equal(maxInFlight, 5);
    // 5 slots × 300 ms each = ~16 polls per second of capacity for 40 devices due per second.
    const polled = fleet.collector.polls.length;
    assert.ok(polled >= 70 && polled <= 90, `polled ${polled}`);
    assert.ok((await pod.metric('pollfleet_polls_total', { outcome: 'skipped_late' })) > 50);
    const lagCount = await pod.metric('pollfleet_schedule_lag_seconds_count');
    const lagSum = await pod.metric('pollfleet_schedule_lag_seconds_sum');
    assert.ok(lagSum / lagCount > 0.1, 'lag is measured');
    await pod.stop();
  });

  it('aborts a poll at its timeout and publishes the failure', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    let aborted = 0;
    fleet.collector.behave('slow', async (_d, ctx) => {
      ctx.signal.addEventListener('abort', () => aborted++);
      await fleet.collector.delay(10_000, ctx.signal);
      return { data: {} };
    });
    pod.add(fleet.spec('slow', { intervalMs: 1000, timeoutMs: 300 }));
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    const [r] = fleet.resultsOf('slow');
    assert.ok(r);
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'POLL_TIMEOUT');
    assert.equal(r.durationMs, 300);
    assert.equal(aborted, 1);
    await pod.stop();
  });

  it('skips and counts a tick while the previous poll is still running; never stacks', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    // Ignores its abort signal and takes 2.5 intervals.
    fleet.collector.behave('stuck', async (_d, ctx) => {
      await fleet.collector.delay(2500, ctx.signal, false);
      return { data: {} };
    });
    pod.add(fleet.spec('stuck', { intervalMs: 1000, timeoutMs: 500 }));
    pod.engine.start();
    await fleet.clock.advanceBy(6000, 10);
    assert.equal(fleet.collector.overlaps, 0);
    assert.equal(fleet.collector.pollsOf('stuck').length, 2);
    assert.ok((await pod.metric('pollfleet_polls_total', { outcome: 'skipped_overlap' })) >= 3);
    await pod.stop();
  });

  it('applies a changed interval from the next poll and stops a removed device', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    pod.add(fleet.spec('x'));
    pod.engine.start();
    await fleet.clock.advanceBy(3000, 10);
    const before = fleet.collector.pollsOf('x').length;
    pod.add(fleet.spec('x', { intervalMs: 500, timeoutMs: 200, revision: 2 }));
    await fleet.clock.advanceBy(3000, 10);
    const during = fleet.collector.pollsOf('x').length - before;
    assert.ok(during >= 5 && during <= 7, `${during} polls at 500 ms`);
    await pod.engine.remove('x');
    const after = fleet.collector.pollsOf('x').length;
    await fleet.clock.advanceBy(3000, 10);
    assert.equal(fleet.collector.pollsOf('x').length, after);
    assert.equal(fleet.leases.holder('x'), undefined, 'lease released on removal');
    assert.deepEqual(fleet.collector.forgotten, ['x']);
    await pod.stop();
  });

  it('reports unhealthy when devices are due but no poll starts (watchdog)', async () => {
    const fleet = new Fleet();
    const hung = {
      acquire: () => new Promise<never>(() => {}),
      extend: () => new Promise<never>(() => {}),
      release: () => Promise.resolve(false),
    };
    const pod = fleet.pod('a', { leases: hung, concurrency: 2, watchdogMs: 5000 });
    for (let i = 0; i < 5; i++) pod.add(fleet.spec(String(i)));
    pod.engine.start();
    await fleet.clock.advanceBy(2000, 50);
    assert.equal(pod.engine.health().healthy, true);
    await fleet.clock.advanceBy(6000, 50);
    const h = pod.engine.health();
    assert.equal(h.healthy, false);
    assert.match(h.reason ?? '', /no poll has started/);
  });
});
