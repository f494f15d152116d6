import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BreakerStore, LeaseStore, ResultsBus, SharedStateStore } from '@pollfleet/core';
import {
  FleetKeys,
  RedisBreakerStore,
  RedisLeaseStore,
  RedisSharedState,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import { RedisStreamsBus } from '@pollfleet/bus-redis';
import {
  MemoryBreakerStore,
  MemoryBus,
  MemoryLeaseStore,
  MemorySharedState,
} from '@pollfleet/coordination-memory';
import type { PollerConfig } from './config.js';

/** Where leases, breaker state, shared collector state and results live. */
export interface CoordinationServices {
  readonly mode: 'fleet' | 'single-pod';
  readonly leases: LeaseStore;
  readonly breakers: BreakerStore;
  readonly sharedState: SharedStateStore;
  readonly bus: ResultsBus;
  close(): Promise<void>;
}

/**
 * Redis when a URL is configured (any number of pods); otherwise in-memory stores, which are
 * only correct for a single pod and say so.
 */
export function openCoordination(config: PollerConfig, logger: Logger): CoordinationServices {
  if (!config.redisUrl) {
    logger.warn(
      'POLLFLEET_REDIS_URL is not set: single-pod mode with in-memory leases and bus; do not run a second pod',
    );
    const bus = new MemoryBus({ capacity: 10_000 });
    return {
      mode: 'single-pod',
      leases: new MemoryLeaseStore(),
      breakers: new MemoryBreakerStore(),
      sharedState: new MemorySharedState(),
      bus,
      close: () => bus.close(),
    };
  }
  const redis = new Redis(config.redisUrl, {
    ...recommendedRedisOptions,
    connectionName: `pollfleet:${config.podId}`,
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // ioredis reconnects on its own; log each distinct failure once rather than every retry.
    if (err.message !== lastError) logger.warn({ err }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) logger.info('redis connection restored');
    lastError = '';
  });
  const keys = new FleetKeys(config.keyPrefix);
  const bus = new RedisStreamsBus(redis, {
    stream: config.resultsStream || keys.results(),
    maxLen: config.resultsMaxLen,
  });
  return {
    mode: 'fleet',
    leases: new RedisLeaseStore(redis, { keys }),
    breakers: new RedisBreakerStore(redis, { keys }),
    sharedState: new RedisSharedState(redis, { namespace: 'collectors', keys }),
    bus,
    close: async () => {
      await bus.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
