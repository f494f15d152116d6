import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisLeaseStore } from '@pollfleet/coordination-redis';
import type { FleetKeys } from '@pollfleet/coordination-redis';
import type { Redis } from 'ioredis';
import { openFixture } from './redis-fixture.js';

const CONTENDERS = 20;
const DEVICES = 50;
const ROUNDS = 15;

describe('RedisLeaseStore under contention', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;

  before(async () => ({ redis, keys, cleanup } = await openFixture()));
  after(() => cleanup());

  it(`${CONTENDERS} pods × ${DEVICES} devices: never two holders, fences increase`, async () => {
    const holders = new Map<string, string>();
    const lastFence = new Map<string, number>();
    const violations: string[] = [];
    let wins = 0;

    async function contender(pod: string): Promise<void> {
      const store = new RedisLeaseStore(redis, { keys });
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          Array.from({ length: DEVICES }, async (_, d) => {
            const id = `dev-${d}`;
            const out = await store.acquire(id, pod, 10_000);
            if (!out.acquired) return;
            wins++;
            const other = holders.get(id);
            if (other !== undefined) violations.push(`${id}: ${pod} acquired while ${other} held`);
            const prev = lastFence.get(id) ?? 0;
            if (out.lease.fence <= prev)
              violations.push(`${id}: fence ${out.lease.fence} <= ${prev}`);
            lastFence.set(id, out.lease.fence);
            holders.set(id, pod);
            await sleep(Math.random() * 3);
            // Forget the holder before the release is sent: after that, others may win.
            holders.delete(id);
            if (!(await store.release(out.lease))) violations.push(`${id}: ${pod} release failed`);
          }),
        );
      }
    }

    await Promise.all(Array.from({ length: CONTENDERS }, (_, i) => contender(`pod-${i}`)));
    assert.deepEqual(violations, []);
    assert.ok(wins >= DEVICES, `every device was won at least once (${wins} wins)`);
  });
});
