import type { SharedStateStore } from '@pollfleet/core';
import { ConfigError } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { wrapRedis } from './errors.js';
import { FleetKeys } from './keys.js';

export interface RedisSharedStateOptions {
  /** Keeps one user's keys apart from another's, e.g. `routeros` or `snmp`. */
  namespace: string;
  /**
   * Where the keys live.
   * @defaultValue `new FleetKeys('pollfleet')`
   */
  keys?: FleetKeys;
}

/** {@link SharedStateStore} on Redis: plain strings under `FleetKeys.sharedState(ns, key)`. */
export class RedisSharedState implements SharedStateStore {
  readonly #redis: Redis;
  readonly #keys: FleetKeys;
  readonly #namespace: string;

  constructor(redis: Redis, options: RedisSharedStateOptions) {
    if (options.namespace.length === 0) {
      throw new ConfigError('sharedState.namespace', 'must be non-empty');
    }
    this.#redis = redis;
    this.#keys = options.keys ?? new FleetKeys();
    this.#namespace = options.namespace;
  }

  async get(key: string): Promise<string | undefined> {
    const k = this.#keys.sharedState(this.#namespace, key);
    const v = await wrapRedis('sharedState.get', () => this.#redis.get(k));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.#keys.sharedState(this.#namespace, key);
    if (ttlMs === undefined) {
      await wrapRedis('sharedState.set', () => this.#redis.set(k, value));
      return;
    }
    if (!Number.isInteger(ttlMs) || ttlMs < 1) {
      throw new ConfigError('sharedState.ttlMs', `must be a positive integer, got ${ttlMs}`);
    }
    await wrapRedis('sharedState.set', () => this.#redis.set(k, value, 'PX', ttlMs));
  }

  async delete(key: string): Promise<void> {
    const k = this.#keys.sharedState(this.#namespace, key);
    await wrapRedis('sharedState.delete', () => this.#redis.del(k));
  }
}
