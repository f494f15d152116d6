import type { AcquireOutcome, Lease, LeaseStore } from '@pollfleet/core';
import { ConfigError } from '@pollfleet/core';
import type { ChainableCommander, Redis } from 'ioredis';
import { wrapRedis } from './errors.js';
import { FleetKeys } from './keys.js';
import { defineFleetCommands } from './scripts.js';
import type { FleetCommands } from './scripts.js';

export interface RedisLeaseStoreOptions {
  /**
   * Where the keys live.
   * @defaultValue `new FleetKeys('pollfleet')`
   */
  keys?: FleetKeys;
  /**
   * How long a device's last-fence key outlives its last acquire. Bounds the state a deleted
   * device leaves behind; once it expired, the next fence comes from the Redis clock alone and
   * still exceeds every earlier one.
   * @defaultValue 30 days
   */
  fenceTtlMs?: number;
}

export interface ResolvedRedisLeaseStoreOptions {
  readonly keys: FleetKeys;
  readonly fenceTtlMs: number;
}

const DAY_MS = 86_400_000;

export function resolveRedisLeaseStoreOptions(
  options: RedisLeaseStoreOptions = {},
): ResolvedRedisLeaseStoreOptions {
  const fenceTtlMs = options.fenceTtlMs ?? 30 * DAY_MS;
  if (!Number.isInteger(fenceTtlMs) || fenceTtlMs < 1) {
    throw new ConfigError('lease.fenceTtlMs', 'must be a positive integer');
  }
  return { keys: options.keys ?? new FleetKeys(), fenceTtlMs };
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new ConfigError('lease.ttlMs', `must be a positive integer, got ${ttlMs}`);
  }
}

/**
 * {@link LeaseStore} on Redis. A lease is the hash `{token, fence}` under
 * `FleetKeys.lease(id)` with a PX expiry; a new fence is max(last fence + 1, Redis clock in µs),
 * the last one kept under `FleetKeys.fence(id)`, so it increases across owners, across a Redis
 * restart that lost the data and across a failover that lost the last writes. See `lua/*.lua` for the exact semantics.
 *
 * The client is the caller's; give it `commandTimeout` and a small `maxRetriesPerRequest`
 * (see `recommendedRedisOptions`) so calls reject instead of waiting for a dead server.
 */
export class RedisLeaseStore implements LeaseStore {
  readonly #redis: Redis & FleetCommands;
  readonly #options: ResolvedRedisLeaseStoreOptions;

  constructor(redis: Redis, options: RedisLeaseStoreOptions = {}) {
    this.#options = resolveRedisLeaseStoreOptions(options);
    this.#redis = defineFleetCommands(redis);
  }

  async acquire(
    deviceId: string,
    token: string,
    ttlMs: number,
    slot?: number,
  ): Promise<AcquireOutcome> {
    checkTtl(ttlMs);
    const { keys, fenceTtlMs } = this.#options;
    const [won, value, previous] = await wrapRedis('lease.acquire', () =>
      this.#redis.pollfleetLeaseAcquire(
        keys.lease(deviceId),
        keys.fence(deviceId),
        keys.slot(deviceId),
        token,
        ttlMs,
        fenceTtlMs,
        slot === undefined ? '' : String(slot),
      ),
    );
    if (won === 1) {
      const previousSlot = previous !== undefined && previous >= 0 ? previous : undefined;
      return { acquired: true, lease: { deviceId, token, fence: value }, previousSlot };
    }
    return { acquired: false, remainingMs: value >= 0 ? value : -1 };
  }

  async extend(lease: Lease, ttlMs: number, slot?: number): Promise<boolean> {
    checkTtl(ttlMs);
    const { keys, fenceTtlMs } = this.#options;
    const n = await wrapRedis('lease.extend', () =>
      this.#redis.pollfleetLeaseExtend(
        keys.lease(lease.deviceId),
        keys.slot(lease.deviceId),
        lease.token,
        String(lease.fence),
        ttlMs,
        slot === undefined ? '' : String(slot),
        fenceTtlMs,
      ),
    );
    return n === 1;
  }

  async release(lease: Lease): Promise<boolean> {
    const n = await wrapRedis('lease.release', () =>
      this.#redis.pollfleetLeaseRelease(
        this.#options.keys.lease(lease.deviceId),
        lease.token,
        String(lease.fence),
      ),
    );
    return n === 1;
  }

  /**
   * Releases many leases in one round trip (shutdown). Resolves to how many were still held by
   * their owner and are now free. A failure of one entry does not stop the others.
   */
  async releaseMany(leases: readonly Lease[]): Promise<number> {
    if (leases.length === 0) return 0;
    const pipeline = this.#redis.pipeline() as ChainableCommander & {
      pollfleetLeaseRelease(leaseKey: string, token: string, fence: string): unknown;
    };
    for (const lease of leases) {
      pipeline.pollfleetLeaseRelease(
        this.#options.keys.lease(lease.deviceId),
        lease.token,
        String(lease.fence),
      );
    }
    const replies = await wrapRedis('lease.releaseMany', () => pipeline.exec());
    let released = 0;
    for (const [err, n] of replies ?? []) if (!err && n === 1) released++;
    return released;
  }
}
