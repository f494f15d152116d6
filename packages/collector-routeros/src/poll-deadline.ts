import type { Clock } from '@pollfleet/core';

/**
 * Time kept back from the device's `timeout_ms` (at most a tenth of it), so the collector's own
 * timeout for the phase that is running (connect, TLS handshake, login, command) fires before
 * the engine's poll timeout and names that phase.
 */
export const DEADLINE_RESERVE_MS = 100;

/** A phase's timeout, and whether the poll's remaining time cut it short. */
export interface PhaseTimeout {
  readonly ms: number;
  readonly cappedByPoll: boolean;
}

/** "within 4900 ms (what was left of the device's timeout_ms)": for error messages. */
export function describeTimeout(t: PhaseTimeout): string {
  return `${t.ms} ms${t.cappedByPoll ? " (what was left of the device's timeout_ms)" : ''}`;
}

/** When a poll must be over, by the collector's clock; caps each phase's own timeout. */
export class PollDeadline {
  readonly #clock: Clock;
  readonly #at: number;

  /** `timeoutMs` from now, less {@link DEADLINE_RESERVE_MS}. */
  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#at = clock.now() + timeoutMs - Math.min(DEADLINE_RESERVE_MS, Math.floor(timeoutMs / 10));
  }

  /** `ms`, or what is left of the poll when that is less (at least 1 ms). */
  cap(ms: number): PhaseTimeout {
    const left = Math.max(1, this.#at - this.#clock.now());
    return left < ms ? { ms: left, cappedByPoll: true } : { ms, cappedByPoll: false };
  }
}

/** A phase timeout that nothing caps. */
export function uncapped(ms: number): PhaseTimeout {
  return { ms, cappedByPoll: false };
}
