import { ConfigError } from './errors.js';
import type { FailureKind } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Serializable breaker state, stored beside the lease so it follows the device between pods. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** How many times in a row the breaker opened (the n in base × 2^(n-1)). */
  readonly openings: number;
  /** Epoch ms before which polls are skipped while open. */
  readonly openUntil: number;
  /** True when a permanent failure parked the device at the maximum backoff. */
  readonly parked: boolean;
  /**
   * The device row's revision when it was parked. A changed row (a fixed credential, host or
   * option) un-parks it: the next poll tries the fix instead of waiting out the backoff.
   */
  readonly parkedRevision?: number;
  readonly lastError?: {
    readonly code: string;
    readonly kind: FailureKind;
    readonly message: string;
  };
}

export interface BreakerOptions {
  /**
   * Consecutive failures that open the breaker.
   * @defaultValue 3
   */
  failureThreshold?: number;
  /**
   * First open period; doubles on each re-opening.
   * @defaultValue the device's interval
   */
  baseBackoffMs?: number;
  /**
   * Longest open period, also the parking period after a permanent failure.
   * @defaultValue 32 × the device's interval, at most 1 hour and at least the base
   */
  maxBackoffMs?: number;
  /**
   * Random spread of each open period, as a fraction (0.2 = ±20 %), so devices that failed
   * together do not retry together.
   * @defaultValue 0.2
   */
  jitter?: number;
}

export interface ResolvedBreakerOptions {
  readonly failureThreshold: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly jitter: number;
}

const HOUR_MS = 3_600_000;

export function resolveBreakerOptions(
  options: BreakerOptions,
  intervalMs: number,
): ResolvedBreakerOptions {
  const failureThreshold = options.failureThreshold ?? 3;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new ConfigError('breaker.failureThreshold', 'must be an integer of at least 1');
  }
  const baseBackoffMs = options.baseBackoffMs ?? intervalMs;
  if (!(baseBackoffMs > 0)) throw new ConfigError('breaker.baseBackoffMs', 'must be positive');
  const maxBackoffMs =
    options.maxBackoffMs ?? Math.max(baseBackoffMs, Math.min(32 * intervalMs, HOUR_MS));
  if (!(maxBackoffMs >= baseBackoffMs)) {
    throw new ConfigError('breaker.maxBackoffMs', 'must be at least breaker.baseBackoffMs');
  }
  const jitter = options.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter < 1)) throw new ConfigError('breaker.jitter', 'must be in [0, 1)');
  return { failureThreshold, baseBackoffMs, maxBackoffMs, jitter };
}

export const CLOSED_BREAKER: BreakerSnapshot = {
  state: 'closed',
  consecutiveFailures: 0,
  openings: 0,
  openUntil: 0,
  parked: false,
};

/** Whether a poll may run now, and the snapshot after asking (open → half-open at expiry). */
export function breakerAllows(
  s: BreakerSnapshot,
  now: number,
): { allowed: boolean; next: BreakerSnapshot } {
  if (s.state === 'closed' || s.state === 'half-open') return { allowed: true, next: s };
  if (now < s.openUntil) return { allowed: false, next: s };
  return { allowed: true, next: { ...s, state: 'half-open' } };
}

export function breakerOnSuccess(s: BreakerSnapshot): BreakerSnapshot {
  return s.state === 'closed' && s.consecutiveFailures === 0 ? s : CLOSED_BREAKER;
}

/**
 * Closed → open after `failureThreshold` consecutive failures; a failed half-open trial
 * re-opens with the next (doubled) backoff; a permanent failure parks at the maximum.
 * `random` returns [0, 1), injected so tests are deterministic.
 */
export function breakerOnFailure(
  s: BreakerSnapshot,
  error: { code: string; kind: FailureKind; message: string },
  now: number,
  o: ResolvedBreakerOptions,
  random: () => number = Math.random,
): BreakerSnapshot {
  const consecutiveFailures = s.consecutiveFailures + 1;
  const lastError = { code: error.code, kind: error.kind, message: error.message };
  if (error.kind === 'permanent') {
    return {
      state: 'open',
      consecutiveFailures,
      openings: s.openings + 1,
      openUntil: now + jittered(o.maxBackoffMs, o.jitter, random),
      parked: true,
      lastError,
    };
  }
  const shouldOpen = s.state === 'half-open' || consecutiveFailures >= o.failureThreshold;
  if (!shouldOpen) return { ...s, consecutiveFailures, lastError };
  const openings = s.openings + 1;
  return {
    state: 'open',
    consecutiveFailures,
    openings,
    openUntil: now + jittered(backoffFor(openings, o), o.jitter, random),
    parked: false,
    lastError,
  };
}

/** base × 2^(n-1), capped at the maximum. */
export function backoffFor(openings: number, o: ResolvedBreakerOptions): number {
  const exp = Math.min(Math.max(openings - 1, 0), 30);
  return Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** exp);
}

function jittered(ms: number, jitter: number, random: () => number): number {
  return Math.round(ms * (1 + jitter * (2 * random() - 1)));
}
