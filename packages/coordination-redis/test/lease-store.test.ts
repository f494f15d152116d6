import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease } from '@pollfleet/core';
import { RedisLeaseStore } from '@pollfleet/coordination-redis';
import type { FleetKeys } from '@pollfleet/coordination-redis';
import type { Redis } from 'ioredis';
import { openFixture } from './redis-fixture.js';

describe('RedisLeaseStore', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;
  let store: RedisLeaseStore;

  before(async () => {
    ({ redis, keys, cleanup } = await openFixture());
    store = new RedisLeaseStore(redis, { keys });
  });
  after(() => cleanup());

  async function held(deviceId: string, token: string, ttlMs = 5000): Promise<Lease> {
    const out = await store.acquire(deviceId, token, ttlMs);
    assert.ok(out.acquired, `expected ${token} to acquire ${deviceId}`);
    return out.lease;
  }

  it('lets exactly one of two racing pods acquire a device', async () => {
    const other = new RedisLeaseStore(redis, { keys });
    const [a, b] = await Promise.all([
      store.acquire('race', 'pod-a', 5000),
      other.acquire('race', 'pod-b', 5000),
    ]);
    assert.equal([a, b].filter((o) => o.acquired).length, 1);
  });

  it('reports the holder remaining TTL to a loser', async () => {
    await held('ttl', 'pod-a', 5000);
    const out = await store.acquire('ttl', 'pod-b', 5000);
    assert.equal(out.acquired, false);
    // Any positive remainder up to the TTL: how much of it a slow machine used up is not the
    // point (the lease store contract checks that it counts down).
    assert.ok(!out.acquired && out.remainingMs > 0 && out.remainingMs <= 5000);
  });

  it('re-acquire by the same token keeps the fence and renews the TTL', async () => {
    const first = await held('again', 'pod-a', 1000);
    const second = await held('again', 'pod-a', 5000);
    assert.equal(second.fence, first.fence);
    assert.ok((await redis.pttl(keys.lease('again'))) > 4000);
  });

  it('hands a strictly higher fence to each new owner', async () => {
    const a = await held('fence', 'pod-a');
    assert.ok(Number.isSafeInteger(a.fence));
    assert.equal(await store.release(a), true);
    const b = await held('fence', 'pod-b');
    assert.ok(b.fence > a.fence);
    assert.equal(await store.release(b), true);
    const c = await held('fence', 'pod-a');
    assert.ok(c.fence > b.fence);
  });

  it('refuses extend and release by a wrong token or stale fence and leaves the lease', async () => {
    const lease = await held('wrong', 'pod-a', 5000);
    const thief = { ...lease, token: 'pod-b' };
    const stale = { ...lease, fence: lease.fence - 1 };
    assert.equal(await store.extend(thief, 60_000), false);
    assert.equal(await store.release(thief), false);
    assert.equal(await store.extend(stale, 60_000), false);
    assert.equal(await store.release(stale), false);
    assert.equal(await redis.hget(keys.lease('wrong'), 'token'), 'pod-a');
    assert.ok((await redis.pttl(keys.lease('wrong'))) <= 5000);
    assert.equal(await store.extend(lease, 60_000), true);
    assert.ok((await redis.pttl(keys.lease('wrong'))) > 5000);
    assert.equal(await store.release(lease), true);
    assert.equal(await redis.exists(keys.lease('wrong')), 0);
    assert.equal(await store.extend(lease, 1000), false, 'a released lease cannot be extended');
  });

  it('lets another pod take over after expiry, with a higher fence', async () => {
    const a = await held('expire', 'pod-a', 300);
    const early = await store.acquire('expire', 'pod-b', 5000);
    assert.equal(early.acquired, false);
    await sleep(350);
    const b = await held('expire', 'pod-b');
    assert.ok(b.fence > a.fence);
    assert.equal(await store.extend(a, 5000), false, 'the old owner has lost the lease');
  });

  it('keeps fences increasing after the keys are lost (restart without persistence)', async () => {
    const a = await held('flush', 'pod-a');
    await store.release(a);
    const b = await held('flush', 'pod-b');
    await redis.del(keys.lease('flush'), keys.fence('flush'));
    const c = await held('flush', 'pod-c');
    assert.ok(c.fence > b.fence, `${c.fence} > ${b.fence}`);
  });

  it('keeps fences increasing when the last fence was rolled back (failover lost writes)', async () => {
    const a = await held('rollback', 'pod-a');
    await store.release(a);
    await redis.set(keys.fence('rollback'), '5');
    const b = await held('rollback', 'pod-b');
    assert.ok(b.fence > a.fence, `${b.fence} > ${a.fence}`);
  });

  it('puts an expiry on the fence counter so deleted devices do not leave state forever', async () => {
    const short = new RedisLeaseStore(redis, { keys, fenceTtlMs: 10_000 });
    await short.acquire('bounded', 'pod-a', 1000);
    const pttl = await redis.pttl(keys.fence('bounded'));
    assert.ok(pttl > 0 && pttl <= 10_000);
  });

  it('releases many leases in one call', async () => {
    const leases = await Promise.all(['m1', 'm2', 'm3'].map((id) => held(id, 'pod-a')));
    const foreign = { ...leases[0]!, token: 'pod-z' };
    assert.equal(await store.releaseMany([...leases, foreign]), 3);
    assert.equal(await redis.exists(...leases.map((l) => keys.lease(l.deviceId))), 0);
    assert.equal(await store.releaseMany([]), 0);
  });

  it('rejects a TTL that is not a positive integer', async () => {
    await assert.rejects(store.acquire('bad', 'pod-a', 0), { code: 'CONFIG_INVALID' });
    await assert.rejects(store.acquire('bad', 'pod-a', 1.5), { code: 'CONFIG_INVALID' });
  });
});
