// The Redis adapters against the port contracts (the memory ones pass the same suites in
// packages/testing/test/memory-contracts.test.ts). Each test gets a fresh key prefix; the
// other pod is a second client on the same Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RedisBreakerStore,
  RedisLeaseStore,
  RedisSharedState,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import {
  breakerStoreContract,
  leaseStoreContract,
  sharedStateContract,
} from '@pollfleet/testing/contracts';
import { Redis } from 'ioredis';
import { REDIS_URL, openFixture } from './redis-fixture.js';

async function twoPods(): Promise<{
  fixture: Awaited<ReturnType<typeof openFixture>>;
  other: Redis;
  cleanup: () => Promise<void>;
}> {
  const fixture = await openFixture();
  const other = new Redis(REDIS_URL, { ...recommendedRedisOptions, lazyConnect: true });
  await other.connect();
  return {
    fixture,
    other,
    cleanup: async () => {
      other.disconnect();
      await fixture.cleanup();
    },
  };
}

leaseStoreContract('RedisLeaseStore', async () => {
  const { fixture, other, cleanup } = await twoPods();
  return {
    store: new RedisLeaseStore(fixture.redis, { keys: fixture.keys }),
    otherPod: new RedisLeaseStore(other, { keys: fixture.keys }),
    elapse: (ms) => sleep(ms),
    cleanup,
  };
});

breakerStoreContract('RedisBreakerStore', async () => {
  const { fixture, other, cleanup } = await twoPods();
  return {
    store: new RedisBreakerStore(fixture.redis, { keys: fixture.keys }),
    otherPod: new RedisBreakerStore(other, { keys: fixture.keys }),
    cleanup,
  };
});

sharedStateContract('RedisSharedState', async () => {
  const { fixture, other, cleanup } = await twoPods();
  const options = { namespace: 'contract', keys: fixture.keys };
  return {
    store: new RedisSharedState(fixture.redis, options),
    otherPod: new RedisSharedState(other, options),
    elapse: (ms) => sleep(ms),
    cleanup,
  };
});
