import type { Clock } from '@pollfleet/core';

/** How long one PING's answer stands for the lease store's state. */
export const LEASE_STORE_PROBE_CACHE_MS = 1_000;

/**
 * Whether the lease store answers, for readiness: one PING at start-up and on a readiness check
 * whose last answer is older than {@link LEASE_STORE_PROBE_CACHE_MS}; concurrent checks share
 * one PING. Without a `ping` (an in-process store) the store is always up.
 */
export class LeaseStoreProbe {
  readonly #ping: (() => Promise<void>) | undefined;
  readonly #clock: Clock;
  #up: boolean | undefined;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<boolean> | undefined;
  #lastError: string | undefined;

  constructor(ping: (() => Promise<void>) | undefined, clock: Clock) {
    this.#ping = ping;
    this.#clock = clock;
  }

  /** The last known state: undefined before the first answer. */
  get up(): boolean | undefined {
    return this.#ping ? this.#up : true;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Resolves with whether the store answers, pinging when the cached answer is stale. */
  check(): Promise<boolean> {
    const ping = this.#ping;
    if (!ping) return Promise.resolve(true);
    if (
      this.#up !== undefined &&
      this.#clock.now() - this.#checkedAt < LEASE_STORE_PROBE_CACHE_MS
    ) {
      return Promise.resolve(this.#up);
    }
    this.#inFlight ??= ping().then(
      () => this.#settle(true, undefined),
      (err: unknown) => this.#settle(false, err instanceof Error ? err.message : String(err)),
    );
    return this.#inFlight;
  }

  #settle(up: boolean, error: string | undefined): boolean {
    this.#up = up;
    this.#lastError = error;
    this.#checkedAt = this.#clock.now();
    this.#inFlight = undefined;
    return up;
  }
}
