import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ownEverything } from '@pollfleet/core';
import {
  FleetKeys,
  RedisBreakerStore,
  RedisLeaseStore,
  RedisMembership,
  RedisSharedState,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import { RedisStreamsBus } from '@pollfleet/bus-redis';
import type { PollerConfig } from './config.js';
import type { PollerInventory, PollerServices } from './poller-services.js';

/** The fleet set: devices in PostgreSQL, leases, breaker state, members and results in Redis. */
export function openFleetServices(
  config: PollerConfig & { readonly redisUrl: string },
  logger: Logger,
  inventory: PollerInventory,
): PollerServices {
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
  let lastHeartbeatError = '';
  const membership = new RedisMembership(redis, {
    podId: config.podId,
    keys,
    onError: (err) => {
      if (err.message !== lastHeartbeatError) logger.warn({ err }, 'membership heartbeat failed');
      lastHeartbeatError = err.message;
    },
  });
  return {
    mode: 'fleet',
    inventory,
    leases: new RedisLeaseStore(redis, { keys }),
    breakers: new RedisBreakerStore(redis, { keys }),
    sharedState: new RedisSharedState(redis, { namespace: 'collectors', keys }),
    bus,
    membership,
    // Every pod considers every device and the lease decides; the fleet-ownership stage swaps in
    // `new RendezvousOwnership(membership)` here, and nothing else changes.
    ownership: ownEverything,
    close: async () => {
      await bus.close();
      await redis.quit().catch(() => redis.disconnect());
      await inventory.close();
    },
  };
}
