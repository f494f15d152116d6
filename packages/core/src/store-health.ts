import type { Clock } from './clock.js';

/** Whether a shared store (the lease store) answered its last operation, for status and readiness. */
export class StoreHealth {
  readonly #clock: Clock;
  #failingSince: number | undefined;
  #lastError: string | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  ok(): void {
    this.#failingSince = undefined;
    this.#lastError = undefined;
  }

  failed(err: unknown): void {
    this.#failingSince ??= this.#clock.now();
    this.#lastError = err instanceof Error ? err.message : String(err);
  }

  get healthy(): boolean {
    return this.#failingSince === undefined;
  }

  snapshot(): { state: 'ok' } | { state: 'unreachable'; since: string; error: string } {
    if (this.#failingSince === undefined) return { state: 'ok' };
    return {
      state: 'unreachable',
      since: new Date(this.#failingSince).toISOString(),
      error: this.#lastError ?? 'unknown error',
    };
  }
}
