import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisMembership } from '@pollfleet/coordination-redis';
import type { FleetKeys } from '@pollfleet/coordination-redis';
import type { PodMember } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { openFixture } from './redis-fixture.js';

describe('RedisMembership', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;

  before(async () => ({ redis, keys, cleanup } = await openFixture()));
  after(() => cleanup());

  it('pods see each other, a stopped pod leaves at once, a silent one expires', async () => {
    const opts = { keys, heartbeatMs: 40, ttlMs: 200 };
    const a = new RedisMembership(redis, { ...opts, podId: 'pod-a' });
    const b = new RedisMembership(redis, { ...opts, podId: 'pod-b' });
    const c = new RedisMembership(redis, { ...opts, podId: 'pod-c' });
    const ids = (m: readonly PodMember[]) => m.map((p) => p.podId);
    const seenByA: (readonly PodMember[])[] = [];
    a.onChange((m) => seenByA.push(m));
    await a.start();
    await b.start();
    await c.heartbeat(); // c beats once and then falls silent, like a crashed pod
    assert.deepEqual(ids(await a.heartbeat()), ['pod-a', 'pod-b', 'pod-c']);
    assert.deepEqual(ids(a.members()), ['pod-a', 'pod-b', 'pod-c']);

    await b.stop();
    assert.deepEqual(ids(await a.heartbeat()), ['pod-a', 'pod-c'], 'stop leaves at once');
    await sleep(250);
    assert.deepEqual(ids(await a.heartbeat()), ['pod-a'], 'silent pod expired');
    assert.deepEqual(ids(a.members()), ['pod-a']);
    assert.deepEqual(ids(seenByA.at(-1)!), ['pod-a']);
    await a.stop();
    assert.equal(await redis.exists(keys.members()), 0);
  });

  it('announces its capacity, and reads a bare id as capacity 1', async () => {
    const a = new RedisMembership(redis, { keys, podId: 'pod-a', capacity: 3 });
    await redis.zadd(keys.members(), String(Date.now() + 60_000), 'pod-old'); // a pod from before capacities
    assert.deepEqual(await a.heartbeat(), [
      { podId: 'pod-a', capacity: 3 },
      { podId: 'pod-old', capacity: 1 },
    ]);
    await a.stop();
    assert.deepEqual(await redis.zrange(keys.members(), '0', '-1'), ['pod-old']);
    await redis.del(keys.members());
  });

  it('rejects a capacity that is not a positive integer, and a "#" in the pod id', () => {
    for (const capacity of [0, 1.5, -1]) {
      assert.throws(() => new RedisMembership(redis, { podId: 'p', capacity }), {
        code: 'CONFIG_INVALID',
        message: /membership\.capacity/,
      });
    }
    assert.throws(() => new RedisMembership(redis, { podId: 'p#2' }), { code: 'CONFIG_INVALID' });
  });

  it('rejects a ttl not above the heartbeat period', () => {
    assert.throws(() => new RedisMembership(redis, { podId: 'p', heartbeatMs: 100, ttlMs: 100 }), {
      code: 'CONFIG_INVALID',
    });
  });
});
