import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { PollEngine, systemClock } from '@pollfleet/core';
import type { DeviceSpec } from '@pollfleet/core';
import {
  FleetKeys,
  RedisBreakerStore,
  RedisLeaseStore,
  deleteFleetKeys,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import { MemoryBus, ScriptedCollector, testLogger } from '@pollfleet/testing';

import { REDIS_URL, sleep } from './support.js';

describe('SIGTERM handoff on the real Redis, interval > timeout + margin', () => {
  it('no slot is polled twice', async () => {
    const prefix = `it-handoff-${randomBytes(4).toString('hex')}`;
    const keys = new FleetKeys(prefix);
    const clients: Redis[] = [];
    const collector = new ScriptedCollector(systemClock);
    const bus = new MemoryBus();
    const engine = (pod: string) => {
      const redis = new Redis(REDIS_URL, recommendedRedisOptions);
      clients.push(redis);
      return new PollEngine({
        podId: pod,
        logger: testLogger(),
        registry: new Registry(),
        bus,
        leases: new RedisLeaseStore(redis, { keys }),
        breakers: new RedisBreakerStore(redis, { keys }),
        leaseMarginMs: 300, // TTL = 2000 + 200 + 300 = 2500 < 2 intervals (like 60 s + 10 s + 15 s)
      });
    };
    const spec = (id: string): DeviceSpec => ({
      id,
      name: id,
      collectorType: 'scripted',
      host: '127.0.0.1',
      port: 9,
      intervalMs: 2000,
      timeoutMs: 200,
      options: {},
      credentialsRef: null,
      labels: {},
      revision: 1,
    });
    const a = engine('a');
    const b = engine('b');
    for (let i = 0; i < 200; i++) a.upsert(spec(`d${i}`), collector.forPod('a'));
    a.start();
    await sleep(2500);
    for (let i = 0; i < 200; i++) b.upsert(spec(`d${i}`), collector.forPod('b'));
    b.start();
    await sleep(4200);
    await a.stop(1000); // SIGTERM, mid-interval for most devices
    await sleep(5000);
    await b.stop(1000);
    await deleteFleetKeys(clients[0]!, keys);
    for (const r of clients) r.disconnect();
    const seen = new Map<string, string[]>();
    for (const p of collector.polls) {
      const k = `${p.deviceId}@${p.scheduledFor}`;
      seen.set(k, [...(seen.get(k) ?? []), p.pod]);
    }
    const dups = [...seen].filter(([, pods]) => pods.length > 1);
    assert.equal(collector.overlaps, 0, 'two pods polled a device at once');
    assert.deepEqual(dups, [], 'slots polled twice');
    assert.ok(
      collector.polls.some((p) => p.pod === 'b'),
      'b took over',
    );
  });
});
