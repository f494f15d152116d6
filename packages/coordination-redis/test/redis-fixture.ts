import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FleetKeys, deleteFleetKeys, recommendedRedisOptions } from '@pollfleet/coordination-redis';
import { testRedisUrl } from '@pollfleet/testing/services';

export const REDIS_URL = testRedisUrl();

/** A client on the shared test Redis plus a random key prefix, removed by `cleanup()`. */
export async function openFixture(): Promise<{
  redis: Redis;
  keys: FleetKeys;
  cleanup: () => Promise<void>;
}> {
  const redis = new Redis(REDIS_URL, { ...recommendedRedisOptions, lazyConnect: true });
  await redis.connect();
  const keys = new FleetKeys(`pftest-${randomBytes(6).toString('hex')}`);
  return {
    redis,
    keys,
    cleanup: async () => {
      await deleteUnder(redis, keys);
      redis.disconnect();
    },
  };
}

export async function deleteUnder(redis: Redis, keys: FleetKeys): Promise<void> {
  await deleteFleetKeys(redis, keys);
}

export { PrivateRedis } from '@pollfleet/testing';
