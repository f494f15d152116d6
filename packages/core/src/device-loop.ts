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
import { CollectError, toCollectError } from './errors.js';
import type { Clock } from './clock.js';
import type { Lease } from './lease.js';
import { LeaseHolder } from './lease-holder.js';
import type { LeaseState } from './lease-holder.js';
import { phaseOf } from './poll-phase.js';
import { toPollResult } from './poll-result.js';
import type { DeviceLoopDeps, LastPoll, RunKind } from './device-loop-deps.js';
import type { PollOutcome } from './poller-metrics.js';
import { settleWithin } from './settle-within.js';

/** What a run tells the engine's schedule. */
export interface RunReport {
  /** When another pod's lease runs out: try to take over then (undefined: at the next slot). */
  readonly takeoverAt: number | undefined;
}

/**
 * One device's polling state. It owns no timer and no schedule: the engine's central queue
 * decides when {@link run} is called; the loop decides whether a poll may happen (lease,
 * breaker) and does it.
 */
export class DeviceLoop {
  spec: DeviceSpec;
  collector: Collector;
  phase: number;
  removed = false;
  lastPoll: LastPoll | undefined;
  readonly #holder: LeaseHolder;
  #breaker: BreakerSnapshot = CLOSED_BREAKER;
  #breakerOptions: ResolvedBreakerOptions;
  /** True until the collector's last call settles, even one that ignored its abort signal. */
  #collectorBusy = false;
  /** Breaker state the shared store may lack (a load or save failed): save at the next outcome. */
  #breakerDirty = false;
  readonly #deps: DeviceLoopDeps;
  #log: Logger;

  constructor(spec: DeviceSpec, collector: Collector, deps: DeviceLoopDeps) {
    this.spec = spec;
    this.collector = collector;
    this.#deps = deps;
    this.phase = phaseOf(spec.id, spec.intervalMs);
    this.#breakerOptions = resolveBreakerOptions(deps.breakerOptions, spec.intervalMs);
    this.#log = deps.logger.child({ deviceId: spec.id, device: spec.name });
    this.#holder = new LeaseHolder(spec.id, deps, this.#log);
  }

  get lease(): Lease | undefined {
    return this.#holder.lease;
  }

  get leaseState(): LeaseState {
    return this.#holder.state;
  }

  get breaker(): BreakerSnapshot {
    return this.#breaker;
  }

  /** True while the collector's last call is still going, even one that ignored its abort. */
  get collectorBusy(): boolean {
    return this.#collectorBusy;
  }

  /** Interval + timeout + margin: long enough to live from one poll's extend to the next. */
  get leaseTtlMs(): number {
    return this.spec.intervalMs + this.spec.timeoutMs + this.#deps.leaseMarginMs;
  }

  /**
   * How long after the slot a lease answer may come and the slot still be polled: later, the
   * poll would land close to the next slot (a late answer after a stall). Takeover attempts
   * count from when they were due (the previous holder's expiry).
   */
  lateBoundMs(): number {
    return Math.min(this.spec.timeoutMs, Math.floor(this.spec.intervalMs / 2));
  }

  /** A changed row applies from the next poll. Returns true when the phase changed. */
  update(spec: DeviceSpec, collector: Collector): boolean {
    const intervalChanged = spec.intervalMs !== this.spec.intervalMs;
    const ttlGrew = spec.intervalMs + spec.timeoutMs > this.spec.intervalMs + this.spec.timeoutMs;
    this.spec = spec;
    this.collector = collector;
    this.#log = this.#deps.logger.child({ deviceId: spec.id, device: spec.name });
    this.#holder.log = this.#log;
    // The held lease was sized for the old interval: stretch it now, before it can lapse ahead
    // of the next (later) slot and hand the device to another pod.
    if (ttlGrew) void this.keepAlive();
    if (!intervalChanged) return false;
    this.phase = phaseOf(spec.id, spec.intervalMs);
    this.#breakerOptions = resolveBreakerOptions(this.#deps.breakerOptions, spec.intervalMs);
    return true;
  }

  /**
   * One scheduled tick: hold the lease, consult the breaker, poll, publish. `dueAt` is when the
   * run was due (the slot, or the takeover time). Never rejects.
   */
  async run(scheduledFor: number, kind: RunKind, dueAt = scheduledFor): Promise<RunReport> {
    const { clock, metrics } = this.#deps;
    if (kind === 'slot') {
      metrics.scheduleLag.observe(Math.max(0, clock.now() - scheduledFor) / 1000);
    }
    const hold = await this.#holder.hold(scheduledFor, this.leaseTtlMs);
    switch (hold.kind) {
      case 'error':
        this.#count('skipped_lease_error');
        return NO_TAKEOVER;
      case 'contended':
        if (hold.lost) await this.#forgetInCollector();
        this.#count('skipped_lease');
        return { takeoverAt: hold.retryAt };
      case 'duplicate':
        await this.#loadBreaker();
        this.#count('skipped_duplicate');
        return NO_TAKEOVER;
      case 'held':
        if (hold.acquired) await this.#loadBreaker();
    }
    if (this.removed) {
      await this.releaseLease();
      return NO_TAKEOVER;
    }
    if (clock.now() > Math.max(scheduledFor, dueAt) + this.lateBoundMs()) {
      // The lease answer came too late (a stall, a backlog): polling now would land right
      // before the next slot. The lease is kept; the next slot is polled on time.
      this.#count('skipped_late');
      this.#log.debug({ scheduledFor }, 'lease answer came too late for this slot; skipped');
      return NO_TAKEOVER;
    }
    this.#unparkIfRowChanged();
    const gate = breakerAllows(this.#breaker, clock.now());
    if (!gate.allowed) {
      this.#count('skipped_breaker');
      return NO_TAKEOVER;
    }
    this.#breaker = gate.next;
    // One spec and collector for the whole poll, even if the row changes meanwhile.
    await this.#poll(scheduledFor, hold.lease, this.spec, this.collector);
    return NO_TAKEOVER;
  }

  /**
   * Extends a held lease without polling (a tick skipped while the collector is still busy, or
   * a longer interval). Losing it here ends this pod's claim, as a failed extend does.
   */
  keepAlive(): Promise<void> {
    return this.#holder.keepAlive(this.leaseTtlMs);
  }

  /** Forgets the lease without releasing it: the caller releases it (in a batch). */
  detachLease(): Lease | undefined {
    return this.#holder.detach();
  }

  /** Gives the lease up (device removed, pod stopping). Safe to call when not held. */
  releaseLease(): Promise<void> {
    return this.#holder.release();
  }

  /** Device removed from this pod: release the lease and drop collector state. */
  async retire(): Promise<void> {
    this.removed = true;
    await this.releaseLease();
    await this.#forgetInCollector();
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
    // The poll's budget (timeout_ms) covers everything from here: the credential lookup too.
    const budgetEnd = clock.now() + spec.timeoutMs;
    let startedAt = clock.now();
    let result: CollectResult | undefined;
    let error: CollectError | undefined;
    try {
      const credentials = spec.credentialsRef
        ? await withinBudget(
            this.#deps.credentials.get(spec.credentialsRef),
            budgetEnd - clock.now(),
            clock,
          )
        : undefined;
      // The class fix for a stall before the collector: never start a poll that could outlive
      // this pod's lease (counted from when the extend was sent, not from when it answered).
      if (this.#holder.remainingMs() < spec.timeoutMs) {
        this.#count('skipped_lease');
        this.#deps.throttle.warn(
          'lease-too-short',
          { deviceId: spec.id, leftMs: this.#holder.remainingMs() },
          'lease time left is below the poll timeout; not starting the poll',
        );
        return;
      }
      startedAt = clock.now();
      this.#collectorBusy = true;
      const call = callCollector(
        collector,
        spec,
        { credentials, scheduledFor, logger: this.#log },
        clock,
        this.#deps.shutdownSignal,
        budgetEnd - startedAt,
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
        labels: spec.labels,
        podId: this.#deps.podId,
        fence: lease.fence,
        scheduledFor,
        startedAt,
        durationMs,
      },
      error ?? (result as CollectResult),
    );
    // One line per device state change, never one per poll: the first outcome here says how the
    // device started; later changes are the breaker's lines (opened, parked, closed).
    const first = this.lastPoll === undefined;
    if (error) {
      this.#count(error.kind === 'permanent' ? 'error_permanent' : 'error_transient');
      metrics.pollErrors.inc({ collector: spec.collectorType, code: error.code });
      this.lastPoll = { scheduledFor, durationMs, ok: false, errorCode: error.code };
      if (first) {
        this.#log.warn(
          { code: error.code, kind: error.kind, durationMs, reason: error.message },
          'first poll failed',
        );
      }
    } else {
      this.#count(published.partial ? 'partial' : 'success');
      this.lastPoll = { scheduledFor, durationMs, ok: true };
      if (first) this.#log.info({ durationMs }, 'first poll succeeded');
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

const NO_TAKEOVER: RunReport = { takeoverAt: undefined };

/** Rejects with a transient CollectError when `p` does not settle within `ms`. */
function withinBudget<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return settleWithin(p, ms, clock, () =>
    CollectError.transient(
      'CREDENTIALS_TIMEOUT',
      'the credential lookup used up the poll timeout; the collector was not called',
    ),
  );
}
