import { Redis, ReplyError } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, ownEverything } from '@pollfleet/core';
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

/** How long a readiness PING may take before the lease store counts as unreachable. */
const PING_TIMEOUT_MS = 1_000;

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
  const db = redis.options.db ?? 0;
  // Set when the server refused the connection's set-up (`SELECT db`, `AUTH`): a configuration
  // error, not an outage. ioredis would carry on in database 0; the client is closed instead.
  let refused: Error | undefined;
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err instanceof ReplyError && isSetupCommand(err) && !refused) {
      refused = err;
      logger.error(
        { err },
        `redis refused POLLFLEET_REDIS_URL's set-up (database ${db}); disconnected so nothing is written elsewhere`,
      );
      redis.disconnect();
      return;
    }
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
  const refusedError = (err: Error): ConfigError =>
    new ConfigError(
      'POLLFLEET_REDIS_URL',
      `the Redis server refused database ${db}: ${err.message}` +
        (/DB index/i.test(err.message)
          ? ' (the server has fewer databases; see its `databases` setting)'
          : ''),
    );
  return {
    mode: 'fleet',
    checkSetup: async () => {
      try {
        await redis.select(db);
      } catch (err) {
        if (refused) throw refusedError(refused);
        if (err instanceof ReplyError) throw refusedError(err as Error);
        logger.warn(
          { err },
          'redis (POLLFLEET_REDIS_URL) is unreachable at start-up: starting degraded, not ready until it answers',
        );
      }
    },
    pingLeaseStore: async () => {
      if (refused) throw refusedError(refused);
      await withTimeout(redis.ping(), PING_TIMEOUT_MS, 'redis did not answer PING');
    },
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

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A reply error to the connection's set-up (`SELECT`, `AUTH`), which ioredis reports as events. */
function isSetupCommand(err: Error): boolean {
  const name = (err as { command?: { name?: unknown } }).command?.name;
  return name === 'select' || name === 'auth';
}
