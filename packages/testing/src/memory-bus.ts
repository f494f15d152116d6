import type { PollResult, ResultsBus } from '@pollfleet/core';

/**
 * In-memory {@link ResultsBus}: keeps the last `capacity` results and notifies subscribers.
 * Like the Redis stream it keeps what a reader would decode (the JSON form: a result that
 * cannot be encoded is refused), and refuses to publish once closed.
 */
export class MemoryBus implements ResultsBus {
  readonly results: PollResult[] = [];
  readonly #listeners = new Set<(r: PollResult) => void>();
  readonly #capacity: number;
  #closed = false;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  publish(result: PollResult): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('bus is closed'));
    let decoded: PollResult;
    try {
      decoded = JSON.parse(JSON.stringify(result)) as PollResult;
    } catch (err) {
      return Promise.reject(
        new Error(`result of ${result.deviceId} is not serializable`, { cause: err }),
      );
    }
    this.results.push(decoded);
    if (this.results.length > this.#capacity)
      this.results.splice(0, this.results.length - this.#capacity);
    for (const l of this.#listeners) l(decoded);
    return Promise.resolve();
  }

  subscribe(listener: (r: PollResult) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    return Promise.resolve();
  }
}
