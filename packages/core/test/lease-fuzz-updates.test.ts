import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { Fleet } from './harness.js';
import type { Pod } from './harness.js';
import { fuzzSeeds } from './fuzz-seeds.js';

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('fuzz: interval changes and remove/re-add across pods', () => {
  for (const seed of fuzzSeeds(4)) {
    it(`seed ${seed}`, async () => {
      const r = rng(seed);
      const fleet = new Fleet();
      const pods: Pod[] = ['a', 'b', 'c'].map((n) => fleet.pod(n, { random: r }));
      const N = 8;
      const intervals = [500, 1000, 1500, 3000];
      const cur = new Map<string, number>();
      let rev = 1;
      for (let i = 0; i < N; i++) {
        cur.set(String(i), 1000);
        for (const p of pods) p.add(fleet.spec(String(i), { intervalMs: 1000, timeoutMs: 400 }));
      }
      for (const p of pods) p.engine.start();
      fleet.collector.behave('x', undefined);
      for (let i = 0; i < N; i++)
        fleet.collector.behave(String(i), async (_d, ctx) => {
          await fleet.collector.delay(Math.floor(r() * 350), ctx.signal);
          return { data: {} };
        });
      for (let step = 0; step < 60; step++) {
        await fleet.clock.advanceBy(Math.floor(r() * 700), 7);
        const id = String(Math.floor(r() * N));
        const ev = r();
        rev++;
        if (ev < Number(process.env.IV_P ?? 0.5)) {
          const iv = intervals[Math.floor(r() * intervals.length)]!;
          cur.set(id, iv);
          // pods learn of the change at slightly different moments
          for (const p of pods) {
            await fleet.clock.advance(Math.floor(r() * 30));
            p.add(fleet.spec(id, { intervalMs: iv, timeoutMs: Math.min(400, iv), revision: rev }));
          }
        } else if (ev < Number(process.env.REMOVE_P ?? 0.8)) {
          for (const p of pods) {
            await fleet.clock.advance(Math.floor(r() * 30));
            await p.engine.remove(id);
          }
          await fleet.clock.advance(Math.floor(r() * 200));
          for (const p of pods) {
            await fleet.clock.advance(Math.floor(r() * 30));
            const iv = cur.get(id)!;
            p.add(fleet.spec(id, { intervalMs: iv, timeoutMs: Math.min(400, iv), revision: rev }));
          }
        }
      }
      await fleet.clock.advanceBy(3000, 7);
      assert.equal(fleet.collector.overlaps, 0, 'overlapping polls');
      for (let i = 0; i < N; i++) {
        const slots = fleet.collector.pollsOf(String(i)).map((p) => p.scheduledFor);
        const dups = slots.filter((s, k) => slots.indexOf(s) !== k);
        assert.equal(dups.length, 0, `device ${i}: slots polled twice ${dups.join(',')}`);
      }
      // Liveness: once the changes stop and every lease has settled (the longest TTL is
      // 3000 + 400 + 500 ms), every slot of every device is polled, each exactly once.
      await fleet.clock.advanceBy(4000, 7);
      const from = fleet.clock.now();
      await fleet.clock.advanceBy(7000, 7);
      const to = fleet.clock.now() - 500;
      const missed: string[] = [];
      for (let i = 0; i < N; i++) {
        const id = String(i);
        const iv = cur.get(id)!;
        const polled = fleet.collector.pollsOf(id).map((p) => p.scheduledFor);
        for (let s = slotAtOrAfter(from, phaseOf(id, iv), iv); s < to; s += iv) {
          const n = polled.filter((x) => x === s).length;
          if (n !== 1) missed.push(`${id}@${s - from}: ${n}`);
        }
      }
      assert.deepEqual(missed, [], 'slots not polled exactly once after the changes stopped');
      for (const p of pods) await p.stop();
    });
  }
});
