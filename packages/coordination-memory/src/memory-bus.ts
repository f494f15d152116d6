import { ConfigError } from '@pollfleet/core';
import type { PollResult, ResultsBus } from '@pollfleet/core';
import { MemoryBusClosedError } from './errors.js';

export interface MemoryBusOptions {
  /**
   * Most recent results kept for `recent()`; older ones are dropped.
   * @defaultValue 10000
   */
  capacity?: number;
}

/**
 * In-memory {@link ResultsBus}: keeps the last `capacity` results and hands each one to the
 * subscribers in the same process (the standalone mode's sinks, tests).
 */
export class MemoryBus implements ResultsBus {
  protected readonly buffer: PollResult[] = [];
  readonly #listeners = new Set<(r: PollResult) => void>();
  readonly #capacity: number;
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) {
      throw new ConfigError('memoryBus.capacity', 'must be a positive integer');
    }
  }

  publish(result: PollResult): Promise<void> {
    if (this.#closed) return Promise.reject(new MemoryBusClosedError());
    // Keep what a stream reader would decode: the JSON form, and refuse what JSON cannot encode.
    let decoded: PollResult;
    try {
      decoded = JSON.parse(JSON.stringify(result)) as PollResult;
    } catch (err) {
      return Promise.reject(
        new Error(`result of device ${result.deviceId} cannot be encoded as JSON`, { cause: err }),
      );
    }
    this.buffer.push(decoded);
    // Trim in batches: splicing one off the front of a full buffer on every publish is O(n).
    if (this.buffer.length > this.#capacity + Math.ceil(this.#capacity / 8)) {
      this.buffer.splice(0, this.buffer.length - this.#capacity);
    }
    for (const l of this.#listeners) l(decoded);
    return Promise.resolve();
  }

  /** Calls `listener` with every result published from now on; returns an unsubscribe. */
  subscribe(listener: (r: PollResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The most recent results, oldest first, at most `capacity` of them. */
  recent(): readonly PollResult[] {
    return this.buffer.length > this.#capacity
      ? this.buffer.slice(this.buffer.length - this.#capacity)
      : this.buffer.slice();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    return Promise.resolve();
  }
}
