import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FleetKeys, RedisLeaseStore, recommendedRedisOptions } from '@pollfleet/coordination-redis';
import { Redis } from 'ioredis';
import { PrivateRedis } from './redis-fixture.js';

async function eventually<T>(what: string, call: () => Promise<T>, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not recover`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('RedisLeaseStore against a failing Redis', () => {
  let server: PrivateRedis;
  let redis: Redis;
  let store: RedisLeaseStore;
  const keys = new FleetKeys('faults');

  before(async () => {
    server = await PrivateRedis.start();
    redis = new Redis(server.port, '127.0.0.1', { ...recommendedRedisOptions });
    // The owner of a client listens for its connection errors (ioredis prints them otherwise).
    redis.on('error', () => undefined);
    store = new RedisLeaseStore(redis, { keys });
  });
  after(async () => {
    redis.disconnect();
    await server.kill();
  });

  it('still works after the server dropped its script cache (SCRIPT FLUSH)', async () => {
    const a = await store.acquire('cache', 'pod-a', 5000);
    assert.ok(a.acquired);
    await redis.script('FLUSH');
    assert.equal(await store.extend(a.lease, 5000), true);
    await redis.script('FLUSH');
    assert.equal(await store.release(a.lease), true);
    await redis.script('FLUSH');
    const b = await store.acquire('cache', 'pod-b', 5000);
    assert.ok(b.acquired && b.lease.fence > a.lease.fence);
    await redis.script('FLUSH');
    assert.equal(await store.releaseMany([b.lease]), 1, 'pipelines reload scripts too');
  });

  it('rejects with a typed error while Redis is down, and recovers after a restart', async () => {
    const before = await store.acquire('restart', 'pod-a', 60_000);
    assert.ok(before.acquired);
    await server.kill();

    const started = Date.now();
    await assert.rejects(store.acquire('restart', 'pod-b', 5000), {
      code: 'COORDINATION_REDIS_FAILED',
    });
    await assert.rejects(store.extend(before.lease, 5000), { code: 'COORDINATION_REDIS_FAILED' });
    assert.ok(Date.now() - started < 8000, 'calls fail within seconds, not hang');

    await server.restart();
    // The restarted server has no data: the lease is free and the fence counter is gone.
    const after = await eventually('acquire', () => store.acquire('restart', 'pod-b', 5000));
    assert.ok(after.acquired);
    assert.ok(after.lease.fence > before.lease.fence, 'fence stays monotonic across data loss');
    assert.equal(await store.extend(before.lease, 5000), false, 'the old owner lost the lease');
  });
});

describe('built package', () => {
  it('loads its Lua scripts when run from dist/', async () => {
    const server = await PrivateRedis.start();
    try {
      const code = `
        import { Redis } from 'ioredis';
        import { RedisLeaseStore } from '@pollfleet/coordination-redis';
        const redis = new Redis(${server.port}, '127.0.0.1');
        const out = await new RedisLeaseStore(redis).acquire('d', 't', 1000);
        redis.disconnect();
        process.stdout.write(JSON.stringify(out));`;
      // No --conditions=source: the package resolves to dist/.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', code],
        { cwd: new URL('..', import.meta.url) },
      );
      const out = JSON.parse(stdout) as { acquired: boolean };
      assert.equal(out.acquired, true);
    } finally {
      await server.kill();
    }
  });
});
