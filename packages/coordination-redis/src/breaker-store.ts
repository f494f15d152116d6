import type { BreakerSnapshot, BreakerStore } from '@pollfleet/core';
import { ConfigError } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { CoordinationDecodeError, wrapRedis } from './errors.js';
import { FleetKeys } from './keys.js';

export interface RedisBreakerStoreOptions {
  /**
   * Where the keys live.
   * @defaultValue `new FleetKeys('pollfleet')`
   */
  keys?: FleetKeys;
  /**
   * How long a snapshot outlives its last save, so deleted devices do not leave state forever.
   * @defaultValue 7 days
   */
  ttlMs?: number;
}

export interface ResolvedRedisBreakerStoreOptions {
  readonly keys: FleetKeys;
  readonly ttlMs: number;
}

export function resolveRedisBreakerStoreOptions(
  options: RedisBreakerStoreOptions = {},
): ResolvedRedisBreakerStoreOptions {
  const ttlMs = options.ttlMs ?? 7 * 86_400_000;
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new ConfigError('breaker.ttlMs', 'must be a positive integer');
  }
  return { keys: options.keys ?? new FleetKeys(), ttlMs };
}

/** Stored form: the snapshot plus a schema version, so a later format can be told apart. */
const SNAPSHOT_VERSION = 1;

/**
 * {@link BreakerStore} on Redis: the snapshot as JSON `{v:1, ...snapshot}` under
 * `FleetKeys.breaker(id)` (same hash slot as the device's lease) with a PX expiry.
 * A value that cannot be decoded rejects with `CoordinationDecodeError`
 * (`COORDINATION_DECODE_FAILED`); the caller may start from a closed breaker.
 */
export class RedisBreakerStore implements BreakerStore {
  readonly #redis: Redis;
  readonly #options: ResolvedRedisBreakerStoreOptions;

  constructor(redis: Redis, options: RedisBreakerStoreOptions = {}) {
    this.#redis = redis;
    this.#options = resolveRedisBreakerStoreOptions(options);
  }

  async load(deviceId: string): Promise<BreakerSnapshot | undefined> {
    const key = this.#options.keys.breaker(deviceId);
    const raw = await wrapRedis('breaker.load', () => this.#redis.get(key));
    return raw === null ? undefined : decodeSnapshot(key, raw);
  }

  async save(deviceId: string, snapshot: BreakerSnapshot): Promise<void> {
    const key = this.#options.keys.breaker(deviceId);
    const body = JSON.stringify({ v: SNAPSHOT_VERSION, ...snapshot });
    await wrapRedis('breaker.save', () => this.#redis.set(key, body, 'PX', this.#options.ttlMs));
  }

  async delete(deviceId: string): Promise<void> {
    const key = this.#options.keys.breaker(deviceId);
    await wrapRedis('breaker.delete', () => this.#redis.del(key));
  }
}

const STATES = new Set(['closed', 'open', 'half-open']);

function decodeSnapshot(key: string, raw: string): BreakerSnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new CoordinationDecodeError(key, 'breaker snapshot is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new CoordinationDecodeError(key, 'breaker snapshot is not an object');
  }
  const o = parsed as Record<string, unknown>;
  if (o['v'] !== SNAPSHOT_VERSION) {
    throw new CoordinationDecodeError(key, `unknown breaker snapshot version ${String(o['v'])}`);
  }
  const { state, consecutiveFailures, openings, openUntil, parked, lastError, parkedRevision } = o;
  if (
    typeof state !== 'string' ||
    !STATES.has(state) ||
    typeof consecutiveFailures !== 'number' ||
    typeof openings !== 'number' ||
    typeof openUntil !== 'number' ||
    typeof parked !== 'boolean' ||
    (parkedRevision !== undefined && typeof parkedRevision !== 'number')
  ) {
    throw new CoordinationDecodeError(key, 'breaker snapshot has missing or mistyped fields');
  }
  const snapshot: BreakerSnapshot = {
    state: state as BreakerSnapshot['state'],
    consecutiveFailures,
    openings,
    openUntil,
    parked,
    ...(parkedRevision === undefined ? {} : { parkedRevision }),
  };
  if (lastError !== undefined) {
    const e = lastError as Record<string, unknown>;
    if (
      typeof e['code'] !== 'string' ||
      (e['kind'] !== 'transient' && e['kind'] !== 'permanent') ||
      typeof e['message'] !== 'string'
    ) {
      throw new CoordinationDecodeError(key, 'breaker snapshot has a malformed lastError');
    }
    return { ...snapshot, lastError: { code: e['code'], kind: e['kind'], message: e['message'] } };
  }
  return snapshot;
}
