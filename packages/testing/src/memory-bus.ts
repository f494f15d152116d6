import type { PollResult, ResultsBus } from '@pollfleet/core';

/**
 * In-memory {@link ResultsBus}: keeps the last `capacity` results and notifies subscribers.
 */
export class MemoryBus implements ResultsBus {
  readonly results: PollResult[] = [];
  readonly #listeners = new Set<(r: PollResult) => void>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  publish(result: PollResult): Promise<void> {
    this.results.push(result);
    if (this.results.length > this.#capacity)
      this.results.splice(0, this.results.length - this.#capacity);
    for (const l of this.#listeners) l(result);
    return Promise.resolve();
  }

  subscribe(listener: (r: PollResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}
