import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Lease, LeaseStore } from './lease.js';
import type { LogThrottle } from './log-throttle.js';
import type { PollerMetrics } from './poller-metrics.js';
import type { StoreHealth } from './store-health.js';

/** The answer to "may this pod poll this slot?" as far as the lease is concerned. */
export type LeaseHold =
  /** Held for the slot. `acquired`: newly taken (not extended), so the breaker must be loaded. */
  | { readonly kind: 'held'; readonly lease: Lease; readonly acquired: boolean }
  /**
   * Another pod holds it. `retryAt`: when its lease runs out, to try again then (undefined:
   * at the next slot). `lost`: this pod held it until now (collector state should go).
   */
  | { readonly kind: 'contended'; readonly retryAt: number | undefined; readonly lost: boolean }
  /** The lease store did not answer: whether the lease is held cannot be proven. */
  | { readonly kind: 'error' }
  /** Newly acquired, but an earlier holder already polled this slot (handoff mid-interval). */
  | { readonly kind: 'duplicate'; readonly lease: Lease };

/** What the status view shows: `unknown` while the store does not answer for a held lease. */
export type LeaseState = 'held' | 'free' | 'unknown';

export interface LeaseHolderDeps {
  readonly clock: Clock;
  readonly podId: string;
  readonly leases: LeaseStore;
  readonly metrics: PollerMetrics;
  readonly throttle: LogThrottle;
  readonly leaseHealth: StoreHealth;
  readonly random: () => number;
}

/**
 * One device's lease on this pod: acquire, extend at each slot, keep alive, release, and when to
 * try to take over from another holder. The only place that talks to the {@link LeaseStore} for
 * one device; the device loop asks {@link hold} once per run and acts on the answer.
 */
export class LeaseHolder {
  readonly #deviceId: string;
  readonly #deps: LeaseHolderDeps;
  #lease: Lease | undefined;
  /** Token of an acquire whose answer was lost: the store may hold it, so it is tried again. */
  #pendingToken: string | undefined;
  /** Local expiry: when the last successful acquire/extend was sent, plus its TTL. */
  #deadline = 0;
  /** The last operation for a held (or maybe held) lease got no answer. */
  #unknown = false;
  log: Logger;

  constructor(deviceId: string, deps: LeaseHolderDeps, log: Logger) {
    this.#deviceId = deviceId;
    this.#deps = deps;
    this.log = log;
  }

  get lease(): Lease | undefined {
    return this.#lease;
  }

  get state(): LeaseState {
    if (this.#unknown) return 'unknown';
    return this.#lease ? 'held' : 'free';
  }

  /**
   * Time left on the held lease by this pod's own clock, counted from when the acquire or extend
   * was sent (never from when the answer came, which can be much later). 0 when not held.
   */
  remainingMs(): number {
    if (!this.#lease || this.#unknown) return 0;
    return Math.max(0, this.#deadline - this.#deps.clock.now());
  }

  /** Holds the lease for `slot`: extends it if held, else tries to acquire it. Never rejects. */
  async hold(slot: number, ttlMs: number): Promise<LeaseHold> {
    const lease = this.#lease;
    if (!lease) return this.#acquire(slot, ttlMs, false);
    const sentAt = this.#deps.clock.now();
    let kept: boolean;
    try {
      kept = await this.#deps.leases.extend(lease, ttlMs, slot);
    } catch (err) {
      // Cannot prove we still hold it: the caller skips rather than risk two pollers.
      this.#failed('extend', err, LEASE_DOWN);
      return { kind: 'error' };
    }
    this.#answered();
    if (kept) {
      this.#deps.metrics.leaseOps.inc({ op: 'extend', outcome: 'ok' });
      this.#deadline = sentAt + ttlMs;
      return { kind: 'held', lease, acquired: false };
    }
    this.#deps.metrics.leaseOps.inc({ op: 'extend', outcome: 'lost' });
    this.#lease = undefined;
    // Lost or gone? Asking again tells: another pod's lease answers "contended"; a lease that
    // expired or vanished with a store reset is free, and this slot is polled after all.
    return this.#acquire(slot, ttlMs, true, lease);
  }

  /**
   * Extends a held lease without claiming a slot (a tick skipped while the collector is still
   * busy, or a longer interval). Losing it here ends this pod's claim, as a failed extend does.
   */
  async keepAlive(ttlMs: number): Promise<void> {
    const lease = this.#lease;
    if (!lease) return;
    const sentAt = this.#deps.clock.now();
    try {
      const kept = await this.#deps.leases.extend(lease, ttlMs);
      this.#answered();
      this.#deps.metrics.leaseOps.inc({ op: 'extend', outcome: kept ? 'ok' : 'lost' });
      if (this.#lease !== lease) return;
      if (kept) this.#deadline = sentAt + ttlMs;
      else {
        this.#lease = undefined;
        this.log.warn(
          { fence: lease.fence },
          'lease gone while idle; polls resume when re-acquired',
        );
      }
    } catch (err) {
      this.#failed('extend', err, LEASE_DOWN);
    }
  }

  /** Forgets the lease without releasing it: the caller releases it (in a batch). */
  detach(): Lease | undefined {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#unknown = false;
    return lease;
  }

  /** Gives the lease up (device removed, pod stopping). Safe to call when not held. */
  async release(): Promise<void> {
    const lease = this.detach();
    if (!lease) return;
    try {
      const released = await this.#deps.leases.release(lease);
      this.#deps.metrics.leaseOps.inc({ op: 'release', outcome: released ? 'ok' : 'lost' });
    } catch (err) {
      this.#deps.metrics.leaseOps.inc({ op: 'release', outcome: 'error' });
      this.#deps.throttle.warn(
        'lease-release',
        { err, deviceId: this.#deviceId },
        'could not release a lease; it expires on its own',
      );
    }
  }

  async #acquire(
    slot: number,
    ttlMs: number,
    afterLoss: boolean,
    lostLease?: Lease,
  ): Promise<LeaseHold> {
    const { clock, leases, metrics } = this.#deps;
    // An error may hide a success whose reply was lost: the same token then re-acquires it.
    const token = this.#pendingToken ?? `${this.#deps.podId}:${randomUUID()}`;
    this.#pendingToken = token;
    const sentAt = clock.now();
    let outcome;
    try {
      outcome = await leases.acquire(this.#deviceId, token, ttlMs, slot);
    } catch (err) {
      this.#failed(
        'acquire',
        err,
        'could not acquire leases; skipping polls until the lease store answers',
      );
      return { kind: 'error' };
    }
    this.#pendingToken = undefined;
    this.#answered();
    if (!outcome.acquired) {
      metrics.leaseOps.inc({ op: 'acquire', outcome: 'contended' });
      if (lostLease) {
        this.log.warn({ fence: lostLease.fence }, 'lease lost to another pod; stopping polls here');
      }
      const retryAt =
        outcome.remainingMs >= 0
          ? clock.now() + outcome.remainingMs + 1 + Math.floor(this.#deps.random() * 50)
          : undefined;
      return { kind: 'contended', retryAt, lost: afterLoss };
    }
    metrics.leaseOps.inc({ op: 'acquire', outcome: 'ok' });
    this.#lease = outcome.lease;
    this.#deadline = sentAt + ttlMs;
    if (lostLease) {
      this.log.warn(
        { fence: lostLease.fence, newFence: outcome.lease.fence },
        'lease was gone (lease store reset, or the lease expired while the store was unreachable); re-acquired',
      );
    } else this.log.debug({ fence: outcome.lease.fence }, 'lease acquired');
    if (outcome.previousSlot !== undefined && outcome.previousSlot >= slot) {
      return { kind: 'duplicate', lease: outcome.lease };
    }
    return { kind: 'held', lease: outcome.lease, acquired: true };
  }

  #answered(): void {
    this.#unknown = false;
    this.#deps.leaseHealth.ok();
  }

  #failed(op: 'acquire' | 'extend', err: unknown, msg: string): void {
    this.#deps.metrics.leaseOps.inc({ op, outcome: 'error' });
    this.#deps.leaseHealth.failed(err);
    // A held lease, or an acquire whose answer may have been lost: nobody knows who holds it.
    this.#unknown = this.#lease !== undefined || op === 'acquire';
    this.log.debug({ err }, `could not ${op} the lease; skipping this poll`);
    this.#deps.throttle.warn(`lease-${op}`, { err, deviceId: this.#deviceId }, msg);
  }
}

const LEASE_DOWN = 'could not extend leases; skipping polls until the lease store answers';
