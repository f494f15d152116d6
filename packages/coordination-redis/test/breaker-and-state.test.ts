import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BreakerSnapshot } from '@pollfleet/core';
import { CLOSED_BREAKER } from '@pollfleet/core';
import { FleetKeys, RedisBreakerStore, RedisSharedState } from '@pollfleet/coordination-redis';
import type { Redis } from 'ioredis';
import { openFixture } from './redis-fixture.js';

describe('RedisBreakerStore', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;
  let store: RedisBreakerStore;

  before(async () => {
    ({ redis, keys, cleanup } = await openFixture());
    store = new RedisBreakerStore(redis, { keys, ttlMs: 60_000 });
  });
  after(() => cleanup());

  const open: BreakerSnapshot = {
    state: 'open',
    consecutiveFailures: 4,
    openings: 2,
    openUntil: 1_732_500_000_000,
    parked: false,
    lastError: { code: 'TIMEOUT', kind: 'transient', message: 'no answer in 5000 ms' },
  };

  it('returns undefined for a device with no saved state', async () => {
    assert.equal(await store.load('never'), undefined);
  });

  it('round-trips a snapshot, visible to another pod, with an expiry', async () => {
    await store.save('r1', open);
    const otherPod = new RedisBreakerStore(redis, { keys });
    assert.deepEqual(await otherPod.load('r1'), open);
    const pttl = await redis.pttl(keys.breaker('r1'));
    assert.ok(pttl > 0 && pttl <= 60_000);
    await store.save('r1', CLOSED_BREAKER);
    assert.deepEqual(await store.load('r1'), CLOSED_BREAKER);
  });

  it('deletes state', async () => {
    await store.save('r2', open);
    await store.delete('r2');
    assert.equal(await store.load('r2'), undefined);
  });

  it('rejects an undecodable value with a stable code', async () => {
    await redis.set(keys.breaker('bad1'), 'not json');
    await redis.set(keys.breaker('bad2'), JSON.stringify({ v: 99, state: 'open' }));
    await redis.set(keys.breaker('bad3'), JSON.stringify({ v: 1, state: 'weird' }));
    for (const id of ['bad1', 'bad2', 'bad3']) {
      await assert.rejects(store.load(id), { code: 'COORDINATION_DECODE_FAILED' });
    }
  });

  it('keeps the breaker in the same cluster slot as the lease', () => {
    const tag = (k: string): string => /\{([^}]*)\}/.exec(k)?.[1] ?? '';
    assert.equal(tag(keys.breaker('x')), tag(keys.lease('x')));
    assert.equal(tag(keys.fence('x')), tag(keys.lease('x')));
  });

  it('rejects a bad prefix or ttl', () => {
    assert.throws(() => new FleetKeys('a{b}'), { code: 'CONFIG_INVALID' });
    assert.throws(() => new RedisBreakerStore(redis, { ttlMs: 0 }), { code: 'CONFIG_INVALID' });
  });
});

describe('RedisSharedState', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;

  before(async () => ({ redis, keys, cleanup } = await openFixture()));
  after(() => cleanup());

  it('gets, sets and deletes values, per namespace', async () => {
    const a = new RedisSharedState(redis, { namespace: 'routeros', keys });
    const b = new RedisSharedState(redis, { namespace: 'snmp', keys });
    assert.equal(await a.get('k'), undefined);
    await a.set('k', '{"n":1}');
    assert.equal(await a.get('k'), '{"n":1}');
    assert.equal(await b.get('k'), undefined, 'namespaces are separate');
    assert.equal(await redis.pttl(keys.sharedState('routeros', 'k')), -1, 'no ttl: no expiry');
    await a.delete('k');
    assert.equal(await a.get('k'), undefined);
  });

  it('expires entries after their ttl', async () => {
    const s = new RedisSharedState(redis, { namespace: 'ttl', keys });
    await s.set('k', 'v', 300);
    assert.equal(await s.get('k'), 'v');
    await sleep(350);
    assert.equal(await s.get('k'), undefined);
    await assert.rejects(s.set('k', 'v', -1), { code: 'CONFIG_INVALID' });
  });
});
