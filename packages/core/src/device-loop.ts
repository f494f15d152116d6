import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CLOSED_BREAKER,
  breakerAllows,
  breakerOnFailure,
  breakerOnSuccess,
  resolveBreakerOptions,
} from './breaker.js';
import type { BreakerSnapshot, ResolvedBreakerOptions } from './breaker.js';
import type { CollectResult, Collector } from './collector.js';
import { POLLER_STOPPING, callCollector } from './collector-call.js';
import type { DeviceSpec } from './device.js';
import { toCollectError } from './errors.js';
import type { CollectError } from './errors.js';
import type { Lease } from './lease.js';
import { phaseOf } from './poll-phase.js';
import { toPollResult } from './poll-result.js';
import type { DeviceLoopDeps, LastPoll, RunKind } from './device-loop-deps.js';
import type { PollOutcome } from './poller-metrics.js';

/**
 * One device's polling state. It owns no timer: the engine's central queue decides when
 * {@link run} is called; the loop decides whether a poll may happen (lease, breaker) and does it.
 */
export class DeviceLoop {
  spec: DeviceSpec;
  collector: Collector;
  phase: number;
  /** Next slot (epoch ms) the engine will call run() for. */
  nextSlot = 0;
  /** When the current holder's lease expires: try to take over then instead of at the next slot. */
  takeoverAt: number | undefined;
  /** Engine bookkeeping: generation of the queue entry that is current. */
  queueGen = 0;
  running = false;
  queued = false;
  removed = false;
  lastPoll: LastPoll | undefined;
  #lease: Lease | undefined;
  #breaker: BreakerSnapshot = CLOSED_BREAKER;
  #breakerOptions: ResolvedBreakerOptions;
  /** True until the collector's last call settles, even one that ignored its abort signal. */
  #collectorBusy = false;
  /** Breaker state the shared store may lack (a load or save failed): save at the next outcome. */
  #breakerDirty = false;
  /** Token of an acquire whose answer was lost: Redis may hold it, so it is tried again. */
  #pendingToken: string | undefined;
  readonly #deps: DeviceLoopDeps;
  #log: Logger;

  constructor(spec: DeviceSpec, collector: Collector, deps: DeviceLoopDeps) {
    this.spec = spec;
    this.collector = collector;
    this.#deps = deps;
    this.phase = phaseOf(spec.id, spec.intervalMs);
    this.#breakerOptions = resolveBreakerOptions(deps.breakerOptions, spec.intervalMs);
    this.#log = deps.logger.child({ deviceId: spec.id, device: spec.name });
  }

  get lease(): Lease | undefined {
    return this.#lease;
  }

  get breaker(): BreakerSnapshot {
    return this.#breaker;
  }

  /** True while a run or the collector's last call is still going: a new tick is skipped. */
  get busy(): boolean {
    return this.running || this.#collectorBusy;
  }

  /** A collector call outlived its run (it ignored its abort): the lease must outlive it too. */
  get collectorStillRunning(): boolean {
    return this.#collectorBusy && !this.running;
  }

  /** Interval + timeout + margin: long enough to live from one poll's extend to the next. */
  get leaseTtlMs(): number {
    return this.spec.intervalMs + this.spec.timeoutMs + this.#deps.leaseMarginMs;
  }

  /** A changed row applies from the next poll. Returns true when the phase changed. */
  update(spec: DeviceSpec, collector: Collector): boolean {
    const intervalChanged = spec.intervalMs !== this.spec.intervalMs;
    const ttlGrew = spec.intervalMs + spec.timeoutMs > this.spec.intervalMs + this.spec.timeoutMs;
    this.spec = spec;
    this.collector = collector;
    this.#log = this.#deps.logger.child({ deviceId: spec.id, device: spec.name });
    // The held lease was sized for the old interval: stretch it now, before it can lapse ahead
    // of the next (later) slot and hand the device to another pod.
    if (ttlGrew) void this.keepAlive();
    if (!intervalChanged) return false;
    this.phase = phaseOf(spec.id, spec.intervalMs);
    this.#breakerOptions = resolveBreakerOptions(this.#deps.breakerOptions, spec.intervalMs);
    return true;
  }

  /** One scheduled tick: hold the lease, consult the breaker, poll, publish. Never rejects. */
  async run(scheduledFor: number, kind: RunKind): Promise<void> {
    const { clock, metrics } = this.#deps;
    if (kind === 'slot') {
      metrics.scheduleLag.observe(Math.max(0, clock.now() - scheduledFor) / 1000);
    }
    if (!(await this.#holdLease(scheduledFor))) return;
    if (this.removed) {
      await this.releaseLease();
      return;
    }
    this.#unparkIfRowChanged();
    const gate = breakerAllows(this.#breaker, clock.now());
    if (!gate.allowed) {
      this.#count('skipped_breaker');
      return;
    }
    this.#breaker = gate.next;
    // One spec and collector for the whole poll, even if the row changes meanwhile.
    await this.#poll(scheduledFor, this.#lease as Lease, this.spec, this.collector);
  }

  /**
   * Extends a held lease without polling (a tick skipped while the collector is still busy, or
   * a longer interval). Losing it here ends this pod's claim, as a failed extend does.
   */
  async keepAlive(): Promise<void> {
    const lease = this.#lease;
    if (!lease) return;
    try {
      const kept = await this.#deps.leases.extend(lease, this.leaseTtlMs);
      this.#deps.metrics.leaseOps.inc({ op: 'extend', outcome: kept ? 'ok' : 'lost' });
      if (!kept && this.#lease === lease) this.#lost(lease);
    } catch (err) {
      this.#deps.metrics.leaseOps.inc({ op: 'extend', outcome: 'error' });
      this.#deps.throttle.warn('lease-extend', { err, deviceId: this.spec.id }, LEASE_DOWN);
    }
  }

  /** Forgets the lease without releasing it: the caller releases it (in a batch). */
  detachLease(): Lease | undefined {
    const lease = this.#lease;
    this.#lease = undefined;
    return lease;
  }

  /** Gives the lease up (device removed, pod stopping). Safe to call when not held. */
  async releaseLease(): Promise<void> {
    const lease = this.#lease;
    if (!lease) return;
    this.#lease = undefined;
    try {
      const released = await this.#deps.leases.release(lease);
      this.#deps.metrics.leaseOps.inc({ op: 'release', outcome: released ? 'ok' : 'lost' });
    } catch (err) {
      this.#deps.metrics.leaseOps.inc({ op: 'release', outcome: 'error' });
      this.#deps.throttle.warn(
        'lease-release',
        { err, deviceId: this.spec.id },
        'could not release a lease; it expires on its own',
      );
    }
  }

  /** Device removed from this pod: release the lease and drop collector state. */
  async retire(): Promise<void> {
    this.removed = true;
    await this.releaseLease();
    await this.#forgetInCollector();
  }

  /** True when this pod holds the lease and `slot` was not already polled by a previous holder. */
  async #holdLease(slot: number): Promise<boolean> {
    const { leases, metrics, clock } = this.#deps;
    const lease = this.#lease;
    if (lease) {
      let kept: boolean;
      try {
        kept = await leases.extend(lease, this.leaseTtlMs, slot);
      } catch (err) {
        // Cannot prove we still hold it: skip rather than risk two pollers.
        metrics.leaseOps.inc({ op: 'extend', outcome: 'error' });
        this.#deps.leaseHealth.failed(err);
        this.#count('skipped_lease_error');
        this.#log.debug({ err }, 'could not extend the lease; skipping this poll');
        this.#deps.throttle.warn('lease-extend', { err, deviceId: this.spec.id }, LEASE_DOWN);
        return false;
      }
      this.#deps.leaseHealth.ok();
      if (kept) {
        metrics.leaseOps.inc({ op: 'extend', outcome: 'ok' });
        return true;
      }
      metrics.leaseOps.inc({ op: 'extend', outcome: 'lost' });
      this.#lost(lease);
      await this.#forgetInCollector();
      this.#count('skipped_lease');
      return false;
    }
    // An error may hide a success whose reply was lost: the same token then re-acquires it.
    const token = this.#pendingToken ?? `${this.#deps.podId}:${randomUUID()}`;
    this.#pendingToken = token;
    let outcome;
    try {
      outcome = await leases.acquire(this.spec.id, token, this.leaseTtlMs, slot);
    } catch (err) {
      metrics.leaseOps.inc({ op: 'acquire', outcome: 'error' });
      this.#deps.leaseHealth.failed(err);
      this.#count('skipped_lease_error');
      this.#log.debug({ err }, 'could not acquire the lease; skipping this poll');
      this.#deps.throttle.warn(
        'lease-acquire',
        { err, deviceId: this.spec.id },
        'could not acquire leases; skipping polls until the lease store answers',
      );
      return false;
    }
    this.#pendingToken = undefined;
    this.#deps.leaseHealth.ok();
    if (!outcome.acquired) {
      metrics.leaseOps.inc({ op: 'acquire', outcome: 'contended' });
      this.takeoverAt =
        outcome.remainingMs >= 0
          ? clock.now() + outcome.remainingMs + 1 + Math.floor(this.#deps.random() * 50)
          : undefined;
      this.#count('skipped_lease');
      return false;
    }
    metrics.leaseOps.inc({ op: 'acquire', outcome: 'ok' });
    this.#lease = outcome.lease;
    this.takeoverAt = undefined;
    this.#log.debug({ fence: outcome.lease.fence }, 'lease acquired');
    await this.#loadBreaker();
    if (outcome.previousSlot !== undefined && outcome.previousSlot >= slot) {
      // The previous holder already polled this slot (it handed the device over mid-interval).
      this.#count('skipped_duplicate');
      return false;
    }
    return true;
  }

  /** A parked device whose row changed since gets a poll now: the change may be the fix. */
  #unparkIfRowChanged(): void {
    const b = this.#breaker;
    if (!b.parked || b.parkedRevision === undefined || b.parkedRevision === this.spec.revision)
      return;
    this.#log.info('device row changed since it was parked: trying again');
    this.#breaker = CLOSED_BREAKER;
    this.#breakerDirty = true;
  }

  #lost(lease: Lease): void {
    this.#lease = undefined;
    this.#log.warn({ fence: lease.fence }, 'lease lost to another pod; stopping polls here');
  }

  async #loadBreaker(): Promise<void> {
    try {
      this.#breaker = (await this.#deps.breakers.load(this.spec.id)) ?? CLOSED_BREAKER;
      this.#breakerDirty = false;
    } catch (err) {
      this.#deps.metrics.breakerStoreErrors.inc();
      this.#deps.throttle.warn(
        'breaker-load',
        { err, deviceId: this.spec.id },
        'could not load breaker state; starting closed',
      );
      this.#breaker = CLOSED_BREAKER;
      this.#breakerDirty = true;
    }
  }

  async #poll(
    scheduledFor: number,
    lease: Lease,
    spec: DeviceSpec,
    collector: Collector,
  ): Promise<void> {
    const { clock, metrics } = this.#deps;
    const startedAt = clock.now();
    let result: CollectResult | undefined;
    let error: CollectError | undefined;
    try {
      const credentials = spec.credentialsRef
        ? await this.#deps.credentials.get(spec.credentialsRef)
        : undefined;
      this.#collectorBusy = true;
      const call = callCollector(
        collector,
        spec,
        { credentials, scheduledFor, logger: this.#log },
        clock,
        this.#deps.shutdownSignal,
      );
      void call.settled.then(() => (this.#collectorBusy = false));
      result = await call.result;
    } catch (err) {
      error = toCollectError(err);
    }
    const durationMs = clock.now() - startedAt;
    if (error?.code === POLLER_STOPPING) {
      // Our own shutdown, not the device's fault: no breaker change, nothing published.
      this.#count('aborted_shutdown');
      return;
    }
    metrics.pollDuration.observe({ collector: spec.collectorType }, durationMs / 1000);
    await this.#recordOutcome(error);
    const published = toPollResult(
      {
        deviceId: spec.id,
        deviceName: spec.name,
        collectorType: spec.collectorType,
        podId: this.#deps.podId,
        fence: lease.fence,
        scheduledFor,
        startedAt,
        durationMs,
      },
      error ?? (result as CollectResult),
    );
    if (error) {
      this.#count(error.kind === 'permanent' ? 'error_permanent' : 'error_transient');
      metrics.pollErrors.inc({ collector: spec.collectorType, code: error.code });
      this.lastPoll = { scheduledFor, durationMs, ok: false, errorCode: error.code };
    } else {
      this.#count(published.partial ? 'partial' : 'success');
      this.lastPoll = { scheduledFor, durationMs, ok: true };
    }
    try {
      await this.#deps.bus.publish(published);
      metrics.busPublish.inc({ outcome: 'ok' });
    } catch (err) {
      metrics.busPublish.inc({ outcome: 'error' });
      this.#log.debug({ err }, 'could not publish the result');
      this.#deps.throttle.warn(
        'bus-publish',
        { err, deviceId: spec.id },
        'could not publish results',
      );
    }
  }

  async #recordOutcome(error: CollectError | undefined): Promise<void> {
    const { clock, random } = this.#deps;
    const before = this.#breaker;
    const after = error
      ? breakerOnFailure(before, error, clock.now(), this.#breakerOptions, random)
      : breakerOnSuccess(before);
    if (after === before && !this.#breakerDirty) return;
    this.#breaker = after.parked ? { ...after, parkedRevision: this.spec.revision } : after;
    if (after.state === 'open' && before.state !== 'open') {
      const retryInMs = after.openUntil - clock.now();
      const msg = after.parked ? 'permanent failure: device parked' : 'breaker opened';
      this.#log.warn({ code: error?.code, parked: after.parked, retryInMs }, msg);
    } else if (after.state === 'closed' && before.state !== 'closed') {
      this.#log.info('breaker closed: device answers again');
    }
    try {
      await this.#deps.breakers.save(this.spec.id, this.#breaker);
      this.#breakerDirty = false;
    } catch (err) {
      this.#breakerDirty = true;
      this.#deps.metrics.breakerStoreErrors.inc();
      this.#deps.throttle.warn(
        'breaker-save',
        { err, deviceId: this.spec.id },
        'could not save breaker state',
      );
    }
  }

  async #forgetInCollector(): Promise<void> {
    try {
      await this.collector.forget?.(this.spec.id);
    } catch (err) {
      this.#log.warn({ err }, 'collector failed to forget the device');
    }
  }

  #count(outcome: PollOutcome): void {
    this.#deps.metrics.polls.inc({ collector: this.spec.collectorType, outcome });
  }
}

const LEASE_DOWN = 'could not extend leases; skipping polls until the lease store answers';
