import type { Clock, SharedStateStore } from '@pollfleet/core';
import { systemClock } from '@pollfleet/core';

/** Sets between two sweeps of expired entries, so entries nobody reads again do not pile up. */
const SWEEP_EVERY = 1024;

/** In-memory {@link SharedStateStore} for the single-pod standalone mode and unit tests. */
export class MemorySharedState implements SharedStateStore {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #clock: Clock;
  #setsSinceSweep = 0;

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
    const now = this.#clock.now();
    if (++this.#setsSinceSweep >= SWEEP_EVERY) this.#sweep(now);
    this.#entries.set(key, {
      value,
      expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs,
    });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    this.#setsSinceSweep = 0;
    for (const [key, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(key);
  }
}
