import type { Clock, SharedStateStore } from '@pollfleet/core';
import { systemClock } from '@pollfleet/core';

/** In-memory {@link SharedStateStore} for unit tests and the standalone mode. */
export class MemorySharedState implements SharedStateStore {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  get(key: string): Promise<string | undefined> {
    const e = this.#entries.get(key);
    if (!e) return Promise.resolve(undefined);
    if (e.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(e.value);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#entries.set(key, {
      value,
      expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.#clock.now() + ttlMs,
    });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }
}
