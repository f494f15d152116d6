import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { systemClock } from './clock.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Collector } from './collector.js';
import { CredentialCache } from './credential-cache.js';
import type { DeviceSpec } from './device.js';
import { DeviceLoop } from './device-loop.js';
import type { DeviceLoopDeps, RunKind } from './device-loop-deps.js';
import { DueQueue } from './due-queue.js';
import { ConfigError } from './errors.js';
import { slotAtOrAfter, slotAtOrBefore } from './poll-phase.js';
import { PollerMetrics } from './poller-metrics.js';
import { LogThrottle } from './log-throttle.js';
import { StoreHealth } from './store-health.js';
import { DeviceStatusView } from './device-status.js';
import type { PollEngineOptions } from './poll-engine-options.js';
import type { DeviceStatus } from './device-status.js';

export type EngineState = 'idle' | 'running' | 'draining' | 'stopped';

/** The engine's schedule of one device; the loop itself knows nothing of it. */
interface Schedule {
  readonly loop: DeviceLoop;
  /** Next slot (epoch ms) the device is due at. */
  nextSlot: number;
  /** When another pod's lease expires: try to take over then instead of at the next slot. */
  takeoverAt: number | undefined;
  /** Generation of the queue entry that is current (older entries are ignored when popped). */
  gen: number;
  running: boolean;
  /** Waiting in the ready queue for a concurrency slot. */
  queued: boolean;
}

interface QueueEntry {
  readonly rec: Schedule;
  readonly gen: number;
}

interface ReadyEntry {
  readonly rec: Schedule;
  readonly scheduledFor: number;
  readonly kind: RunKind;
  readonly dueAt: number;
}

/**
 * Schedules every device this pod polls from one due-time queue with bounded concurrency.
 * No timer or loop per device; each device's slots come from its id-derived phase.
 */
export class PollEngine {
  #state: EngineState = 'idle';
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #watchdogMs: number;
  readonly #dispatchGridMs: number;
  readonly #loops = new Map<string, Schedule>();
  readonly #queue = new DueQueue<QueueEntry>();
  #ready: ReadyEntry[] = [];
  #readyHead = 0;
  #running = 0;
  #timer: TimerHandle | undefined;
  #timerDueAt = Number.POSITIVE_INFINITY;
  #lastRunStartedAt: number;
  readonly #shutdown = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #loopDeps: DeviceLoopDeps;
  readonly #credentials: CredentialCache;
  readonly metrics: PollerMetrics;
  /** Whether the lease store (Redis) answers: a pod that cannot check leases polls nothing. */
  readonly leaseHealth: StoreHealth;

  constructor(options: PollEngineOptions) {
    const concurrency = options.concurrency ?? 64;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new ConfigError('concurrency', 'must be an integer of at least 1');
    }
    const leaseMarginMs = options.leaseMarginMs ?? 15_000;
    if (!(leaseMarginMs >= 0)) throw new ConfigError('leaseMarginMs', 'must be 0 or more');
    this.#clock = options.clock ?? systemClock;
    this.leaseHealth = new StoreHealth(this.#clock);
    this.#logger = options.logger;
    this.#concurrency = concurrency;
    this.#watchdogMs = options.watchdogMs ?? 60_000;
    const grid = options.dispatchGridMs ?? 20;
    if (!Number.isInteger(grid) || grid < 0 || grid > 1000) {
      throw new ConfigError('dispatchGridMs', 'must be an integer from 0 to 1000');
    }
    this.#dispatchGridMs = grid;
    this.#lastRunStartedAt = this.#clock.now();
    this.#credentials = new CredentialCache(
      options.credentials,
      this.#clock,
      options.credentialsTtlMs ?? 300_000,
    );
    this.metrics = new PollerMetrics(options.registry, {
      devicesActive: () => this.#loops.size,
      leasesHeld: () => this.#count((l) => l.leaseState === 'held'),
      breakersOpen: () =>
        this.#count((l) => l.leaseState === 'held' && l.breaker.state !== 'closed'),
      pollsInFlight: () => this.#running,
      queueDepth: () => this.#ready.length - this.#readyHead,
    });
    // Every in-flight poll listens for shutdown; concurrency bounds how many do.
    setMaxListeners(0, this.#shutdown.signal);
    this.#loopDeps = {
      clock: this.#clock,
      logger: options.logger,
      podId: options.podId,
      leases: options.leases,
      breakers: options.breakers,
      bus: options.bus,
      credentials: this.#credentials,
      metrics: this.metrics,
      breakerOptions: options.breaker ?? {},
      leaseMarginMs,
      shutdownSignal: this.#shutdown.signal,
      random: options.random ?? Math.random,
      throttle: new LogThrottle(options.logger, this.#clock),
      leaseHealth: this.leaseHealth,
    };
  }

  get state(): EngineState {
    return this.#state;
  }

  get deviceCount(): number {
    return this.#loops.size;
  }

  start(): void {
    if (this.#state !== 'idle') throw new Error(`cannot start an engine that is ${this.#state}`);
    this.#state = 'running';
    this.#lastRunStartedAt = this.#clock.now();
    this.#arm();
  }

  has(deviceId: string): boolean {
    return this.#loops.has(deviceId);
  }

  revisionOf(deviceId: string): number | undefined {
    return this.#loops.get(deviceId)?.loop.spec.revision;
  }

  deviceIds(): string[] {
    return [...this.#loops.keys()];
  }

  /** Adds a device, or applies a changed row from its next poll. */
  upsert(spec: DeviceSpec, collector: Collector): void {
    if (this.#state === 'draining' || this.#state === 'stopped') return;
    const rec = this.#loops.get(spec.id);
    if (rec) {
      const existing = rec.loop;
      const previous = existing.spec;
      if (existing.collector !== collector) void this.#forget(existing.collector, spec.id);
      if (previous.credentialsRef) this.#credentials.invalidate(previous.credentialsRef);
      if (existing.update(spec, collector)) {
        rec.nextSlot = slotAtOrAfter(this.#clock.now() + 1, existing.phase, spec.intervalMs);
        this.#schedule(rec);
      }
      return;
    }
    const loop = new DeviceLoop(spec, collector, this.#loopDeps);
    const fresh: Schedule = {
      loop,
      nextSlot: slotAtOrAfter(this.#clock.now(), loop.phase, spec.intervalMs),
      takeoverAt: undefined,
      gen: 0,
      running: false,
      queued: false,
    };
    this.#loops.set(spec.id, fresh);
    this.#schedule(fresh);
  }

  /** Stops polling a device and releases its lease. */
  async remove(deviceId: string): Promise<void> {
    const rec = this.#loops.get(deviceId);
    if (!rec) return;
    this.#loops.delete(deviceId);
    rec.gen++;
    await rec.loop.retire();
  }

  /** Drops cached secrets of a device, so a changed credential applies from the next poll. */
  refreshCredentials(deviceId: string): void {
    const ref = this.#loops.get(deviceId)?.loop.spec.credentialsRef;
    if (ref) this.#credentials.invalidate(ref);
  }

  /**
   * Stops starting polls, lets in-flight ones finish within `graceMs` (then aborts them),
   * and releases every lease so another pod takes over at its next slot.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'draining') return;
    this.#state = 'draining';
    this.#timer?.cancel();
    this.#timer = undefined;
    for (let i = this.#readyHead; i < this.#ready.length; i++) this.#ready[i]!.rec.queued = false;
    this.#ready = [];
    this.#readyHead = 0;
    // Idle devices are handed over at once; the shorter the drain window, the fewer slots fall
    // into it (a slot due while its device is being released is lost, not polled twice).
    await this.#releaseLeases(this.#recs().filter((r) => !this.#busy(r)));
    if (this.#running > 0) {
      const grace = this.#clock.setTimeout(() => this.#shutdown.abort(), graceMs);
      await this.#whenIdle();
      grace.cancel();
    }
    this.#shutdown.abort();
    // A device whose collector call is still running keeps its lease until it expires.
    await this.#releaseLeases(this.#recs().filter((r) => !r.loop.collectorBusy));
    this.#state = 'stopped';
  }

  /** One round trip when the store can batch; otherwise one release per device, in parallel. */
  async #releaseLeases(recs: Schedule[]): Promise<void> {
    const loops = recs.map((r) => r.loop);
    const store = this.#loopDeps.leases;
    if (!store.releaseMany) {
      await Promise.allSettled(loops.map((l) => l.releaseLease()));
      return;
    }
    const leases = loops.flatMap((l) => l.detachLease() ?? []);
    if (leases.length === 0) return;
    try {
      const released = await store.releaseMany(leases);
      this.metrics.leaseOps.inc({ op: 'release', outcome: 'ok' }, released);
      if (leases.length > released)
        this.metrics.leaseOps.inc({ op: 'release', outcome: 'lost' }, leases.length - released);
    } catch (err) {
      this.metrics.leaseOps.inc({ op: 'release', outcome: 'error' }, leases.length);
      this.#logger.warn(
        { err, leases: leases.length },
        'could not release leases; they expire on their own',
      );
    }
  }

  /** Liveness: false when devices are due but nothing has started for `watchdogMs`. */
  health(): { healthy: boolean; reason?: string } {
    if (this.#state !== 'running') return { healthy: true };
    const now = this.#clock.now();
    const stalledFor = now - this.#lastRunStartedAt;
    if (stalledFor <= this.#watchdogMs) return { healthy: true };
    const waiting = this.#ready.length > this.#readyHead;
    const top = this.#queue.peekDue();
    if (waiting || (top !== undefined && top < now - this.#watchdogMs)) {
      return {
        healthy: false,
        reason: `devices are due but no poll has started for ${Math.round(stalledFor / 1000)} s`,
      };
    }
    return { healthy: true };
  }

  /** Per-device state for the status view. */
  devices(): DeviceStatus[] {
    return this.#recs().map((r) => DeviceStatusView.of(r.loop, r.nextSlot));
  }

  #recs(): Schedule[] {
    return [...this.#loops.values()];
  }

  #count(pred: (l: DeviceLoop) => boolean): number {
    let n = 0;
    for (const r of this.#loops.values()) if (pred(r.loop)) n++;
    return n;
  }

  /** A run is in flight, or the collector's last call (one that ignored its abort) still is. */
  #busy(rec: Schedule): boolean {
    return rec.running || rec.loop.collectorBusy;
  }

  /** (Re)queues the device at its next slot or takeover attempt, whichever is first. */
  #schedule(rec: Schedule): void {
    const gen = ++rec.gen;
    const dueAt = Math.min(rec.nextSlot, rec.takeoverAt ?? Number.POSITIVE_INFINITY);
    this.#queue.push(dueAt, { rec, gen });
    if (dueAt < this.#timerDueAt) this.#arm();
  }

  #arm(): void {
    if (this.#state !== 'running') return;
    const due = this.#queue.peekDue();
    if (due === undefined || due >= this.#timerDueAt) return;
    this.#timer?.cancel();
    // Started on the dispatch grid: polls due within one grid step share a wake-up.
    const g = this.#dispatchGridMs;
    const at = g > 0 ? Math.ceil(due / g) * g : due;
    this.#timerDueAt = due;
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), at - this.#clock.now());
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerDueAt = Number.POSITIVE_INFINITY;
    if (this.#state !== 'running') return;
    const now = this.#clock.now();
    for (let e = this.#queue.popDue(now); e; e = this.#queue.popDue(now)) {
      if (e.gen === e.rec.gen && !e.rec.loop.removed) this.#dispatch(e.rec, now);
    }
    this.#arm();
  }

  /**
   * What is due is decided from the schedule itself, not from which entry fired: a takeover
   * entry that fires after a run in flight has taken the lease (and cleared `takeoverAt`) must
   * not be taken for the next slot, which is still in the future.
   */
  #dispatch(rec: Schedule, now: number): void {
    if (rec.nextSlot <= now) this.#dueSlot(rec, now);
    else if (rec.takeoverAt !== undefined && rec.takeoverAt <= now) this.#dueTakeover(rec, now);
    else this.#schedule(rec);
  }

  /** The holder's lease ran out without being extended: the current slot was not polled. */
  #dueTakeover(rec: Schedule, now: number): void {
    rec.takeoverAt = undefined;
    this.#schedule(rec);
    if (this.#busy(rec) || rec.queued || rec.loop.lease) return;
    const { phase, spec } = rec.loop;
    this.#enqueue(rec, slotAtOrBefore(now, phase, spec.intervalMs), 'takeover', now);
  }

  #dueSlot(rec: Schedule, now: number): void {
    const loop = rec.loop;
    const interval = loop.spec.intervalMs;
    const slot = rec.nextSlot;
    let next = slot + interval;
    if (next <= now) {
      const missed = Math.floor((now - slot) / interval);
      for (let i = 0; i < missed; i++)
        this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_late' });
      next = slotAtOrAfter(now + 1, loop.phase, interval);
    }
    rec.nextSlot = next;
    this.#schedule(rec);
    if (this.#busy(rec)) {
      this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_overlap' });
      // A collector that ignored its abort is still talking to the device: keep the lease, or
      // another pod would start polling alongside it.
      if (!rec.running) void loop.keepAlive();
      return;
    }
    if (rec.queued) {
      this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_late' });
      return;
    }
    this.#enqueue(rec, slot, 'slot', slot);
  }

  #enqueue(rec: Schedule, scheduledFor: number, kind: RunKind, dueAt: number): void {
    if (this.#running < this.#concurrency) {
      this.#start(rec, scheduledFor, kind, dueAt);
      return;
    }
    rec.queued = true;
    this.#ready.push({ rec, scheduledFor, kind, dueAt });
  }

  #start(rec: Schedule, scheduledFor: number, kind: RunKind, dueAt: number): void {
    this.#running++;
    rec.running = true;
    this.#lastRunStartedAt = this.#clock.now();
    rec.loop
      .run(scheduledFor, kind, dueAt)
      .then((report) => {
        if (report.takeoverAt === rec.takeoverAt || rec.loop.removed) return;
        rec.takeoverAt = report.takeoverAt;
        this.#schedule(rec);
      })
      .catch((err: unknown) =>
        this.#logger.error({ err, deviceId: rec.loop.spec.id }, 'device loop failed'),
      )
      .finally(() => {
        rec.running = false;
        this.#running--;
        this.#pump();
      });
  }

  #pump(): void {
    while (
      this.#state === 'running' &&
      this.#running < this.#concurrency &&
      this.#readyHead < this.#ready.length
    ) {
      const e = this.#ready[this.#readyHead++]!;
      e.rec.queued = false;
      if (!e.rec.loop.removed) this.#start(e.rec, e.scheduledFor, e.kind, e.dueAt);
    }
    if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    if (this.#running === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #whenIdle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #forget(collector: Collector, deviceId: string): Promise<void> {
    try {
      await collector.forget?.(deviceId);
    } catch (err) {
      this.#logger.warn({ err, deviceId }, 'collector failed to forget the device');
    }
  }
}
