import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet, crashable } from './harness.js';
import type { Pod } from './harness.js';

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('fuzz: pods joining, stopping and crashing', () => {
  for (let seed = 1; seed <= Number(process.env.SEEDS ?? 10); seed++) {
    it(`seed ${seed}`, async () => {
      const r = rng(seed);
      const fleet = new Fleet();
      const N = 10;
      const live: { pod: Pod; store: ReturnType<typeof crashable> }[] = [];
      let n = 0;
      const spawn = () => {
        const store = crashable(fleet.leases);
        const pod = fleet.pod(`p${n++}`, {
          leases: store,
          random: r,
          concurrency: process.env.CONC ? Number(process.env.CONC) : 1 + Math.floor(r() * 4),
        });
        for (let i = 0; i < N; i++)
          pod.add(fleet.spec(String(i), { intervalMs: 1000, timeoutMs: 400 }));
        pod.engine.start();
        live.push({ pod, store });
      };
      spawn();
      spawn();
      for (let i = 0; i < N; i++)
        fleet.collector.behave(String(i), async (_d, ctx) => {
          await fleet.collector.delay(Math.floor(r() * 380), ctx.signal);
          return { data: {} };
        });
      for (let step = 0; step < 40; step++) {
        await fleet.clock.advanceBy(Math.floor(r() * 1500), 3);
        const ev = r();
        if (ev < 0.4 || live.length < 2) spawn();
        else if (ev < Number(process.env.STOP_P ?? 0.7)) {
          const [v] = live.splice(Math.floor(r() * live.length), 1);
          void v!.pod.engine.stop(1000);
        } else {
          const [v] = live.splice(Math.floor(r() * live.length), 1);
          v!.store.crash(); // the pod's collectors may keep running, like a partitioned pod
        }
      }
      await fleet.clock.advanceBy(4000, 3);
      assert.equal(fleet.collector.overlaps, 0, 'overlapping polls');
      let dupCount = 0;
      for (let i = 0; i < N; i++) {
        const slots = fleet.collector.pollsOf(String(i)).map((p) => p.scheduledFor);
        dupCount += slots.filter((s, k) => slots.indexOf(s) !== k).length;
      }
      assert.equal(dupCount, 0, 'slots polled twice');
    });
  }
});
