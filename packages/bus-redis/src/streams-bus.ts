import type { PollResult, ResultsBus } from '@pollfleet/core';
import { ConfigError } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { BusPublishError } from './errors.js';

export interface RedisStreamsBusOptions {
  /**
   * Stream key, used as given (this package adds no prefix).
   * @defaultValue {@link DEFAULT_RESULTS_STREAM}
   */
  stream?: string;
  /**
   * Approximate length the stream is trimmed to on every publish (`XADD MAXLEN ~`). Redis trims
   * whole macro nodes, so the stream may hold somewhat more (up to `stream-node-max-entries`,
   * 100 by default, beyond it).
   * @defaultValue 100000
   */
  maxLen?: number;
}

/** The stream results go to when no name is given. */
export const DEFAULT_RESULTS_STREAM = 'pollfleet:results';

export interface ResolvedRedisStreamsBusOptions {
  readonly stream: string;
  readonly maxLen: number;
}

export function resolveRedisStreamsBusOptions(
  options: RedisStreamsBusOptions = {},
): ResolvedRedisStreamsBusOptions {
  const maxLen = options.maxLen ?? 100_000;
  if (!Number.isInteger(maxLen) || maxLen < 1) {
    throw new ConfigError('bus.maxLen', 'must be a positive integer');
  }
  const stream = options.stream ?? DEFAULT_RESULTS_STREAM;
  if (stream.length === 0) throw new ConfigError('bus.stream', 'must be non-empty');
  return { stream, maxLen };
}

/**
 * {@link ResultsBus} on a Redis stream. Each result is one entry
 * `v <schema version> deviceId <id> result <PollResult JSON>`.
 *
 * `publish` never throws synchronously; a Redis or serialization failure rejects with
 * `BusPublishError` (`BUS_PUBLISH_FAILED`). The client is the caller's: `close()` stops
 * publishing but does not disconnect it. Give it `enableAutoPipelining: true` so the XADDs of
 * one tick share a round trip.
 */
export class RedisStreamsBus implements ResultsBus {
  readonly #redis: Redis;
  readonly #options: ResolvedRedisStreamsBusOptions;
  #closed = false;

  constructor(redis: Redis, options: RedisStreamsBusOptions = {}) {
    this.#redis = redis;
    this.#options = resolveRedisStreamsBusOptions(options);
  }

  /** The stream key results go to. */
  get stream(): string {
    return this.#options.stream;
  }

  async publish(result: PollResult): Promise<void> {
    if (this.#closed) throw new BusPublishError('bus is closed');
    let body: string;
    try {
      body = JSON.stringify(result);
    } catch (err) {
      throw new BusPublishError(`result of ${result.deviceId} is not serializable`, err);
    }
    const { stream, maxLen } = this.#options;
    try {
      await this.#redis.xadd(
        stream,
        'MAXLEN',
        '~',
        maxLen,
        '*',
        'v',
        String(result.v),
        'deviceId',
        result.deviceId,
        'result',
        body,
      );
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new BusPublishError(`XADD ${stream}: ${reason}`, err);
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
