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

interface QueueEntry {
  readonly loop: DeviceLoop;
  readonly gen: number;
}

interface ReadyEntry {
  readonly loop: DeviceLoop;
  readonly scheduledFor: number;
  readonly kind: RunKind;
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
  readonly #loops = new Map<string, DeviceLoop>();
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
      leasesHeld: () => this.#count((l) => l.lease !== undefined),
      breakersOpen: () => this.#count((l) => l.lease !== undefined && l.breaker.state !== 'closed'),
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
    return this.#loops.get(deviceId)?.spec.revision;
  }

  deviceIds(): string[] {
    return [...this.#loops.keys()];
  }

  /** Adds a device, or applies a changed row from its next poll. */
  upsert(spec: DeviceSpec, collector: Collector): void {
    if (this.#state === 'draining' || this.#state === 'stopped') return;
    const existing = this.#loops.get(spec.id);
    if (existing) {
      const previous = existing.spec;
      if (existing.collector !== collector) void this.#forget(existing.collector, spec.id);
      if (previous.credentialsRef) this.#credentials.invalidate(previous.credentialsRef);
      if (existing.update(spec, collector)) {
        existing.nextSlot = slotAtOrAfter(this.#clock.now() + 1, existing.phase, spec.intervalMs);
        this.#schedule(existing);
      }
      return;
    }
    const loop = new DeviceLoop(spec, collector, this.#loopDeps);
    loop.nextSlot = slotAtOrAfter(this.#clock.now(), loop.phase, spec.intervalMs);
    this.#loops.set(spec.id, loop);
    this.#schedule(loop);
  }

  /** Stops polling a device and releases its lease. */
  async remove(deviceId: string): Promise<void> {
    const loop = this.#loops.get(deviceId);
    if (!loop) return;
    this.#loops.delete(deviceId);
    loop.queueGen++;
    await loop.retire();
  }

  /** Drops cached secrets of a device, so a changed credential applies from the next poll. */
  refreshCredentials(deviceId: string): void {
    const ref = this.#loops.get(deviceId)?.spec.credentialsRef;
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
    for (let i = this.#readyHead; i < this.#ready.length; i++) this.#ready[i]!.loop.queued = false;
    this.#ready = [];
    this.#readyHead = 0;
    // Idle devices are handed over at once; the shorter the drain window, the fewer slots fall
    // into it (a slot due while its device is being released is lost, not polled twice).
    await this.#releaseLeases([...this.#loops.values()].filter((l) => !l.busy));
    if (this.#running > 0) {
      const grace = this.#clock.setTimeout(() => this.#shutdown.abort(), graceMs);
      await this.#whenIdle();
      grace.cancel();
    }
    this.#shutdown.abort();
    // A device whose collector call is still running keeps its lease until it expires.
    await this.#releaseLeases([...this.#loops.values()].filter((l) => !l.collectorStillRunning));
    this.#state = 'stopped';
  }

  /** One round trip when the store can batch; otherwise one release per device, in parallel. */
  async #releaseLeases(loops: DeviceLoop[]): Promise<void> {
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
    return [...this.#loops.values()].map((l) => DeviceStatusView.of(l));
  }

  #count(pred: (l: DeviceLoop) => boolean): number {
    let n = 0;
    for (const l of this.#loops.values()) if (pred(l)) n++;
    return n;
  }

  /** (Re)queues the loop at its next slot or takeover attempt, whichever is first. */
  #schedule(loop: DeviceLoop): void {
    const gen = ++loop.queueGen;
    const dueAt = Math.min(loop.nextSlot, loop.takeoverAt ?? Number.POSITIVE_INFINITY);
    this.#queue.push(dueAt, { loop, gen });
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
      if (e.gen === e.loop.queueGen && !e.loop.removed) this.#dispatch(e.loop, now);
    }
    this.#arm();
  }

  #dispatch(loop: DeviceLoop, now: number): void {
    const interval = loop.spec.intervalMs;
    const takeover =
      loop.takeoverAt !== undefined && loop.takeoverAt <= now && loop.takeoverAt < loop.nextSlot;
    if (takeover) {
      loop.takeoverAt = undefined;
      this.#schedule(loop);
      // The holder's lease ran out without being extended: the current slot was not polled.
      if (!loop.busy && !loop.queued && !loop.lease) {
        this.#enqueue(loop, slotAtOrBefore(now, loop.phase, interval), 'takeover');
      }
      return;
    }
    const slot = loop.nextSlot;
    let next = slot + interval;
    if (next <= now) {
      const missed = Math.floor((now - slot) / interval);
      for (let i = 0; i < missed; i++)
        this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_late' });
      next = slotAtOrAfter(now + 1, loop.phase, interval);
    }
    loop.nextSlot = next;
    this.#schedule(loop);
    if (loop.busy) {
      this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_overlap' });
      // A collector that ignored its abort is still talking to the device: keep the lease, or
      // another pod would start polling alongside it.
      if (loop.collectorStillRunning) void loop.keepAlive();
      return;
    }
    if (loop.queued) {
      this.metrics.polls.inc({ collector: loop.spec.collectorType, outcome: 'skipped_late' });
      return;
    }
    this.#enqueue(loop, slot, 'slot');
  }

  #enqueue(loop: DeviceLoop, scheduledFor: number, kind: RunKind): void {
    if (this.#running < this.#concurrency) {
      this.#start(loop, scheduledFor, kind);
      return;
    }
    loop.queued = true;
    this.#ready.push({ loop, scheduledFor, kind });
  }

  #start(loop: DeviceLoop, scheduledFor: number, kind: RunKind): void {
    this.#running++;
    loop.running = true;
    this.#lastRunStartedAt = this.#clock.now();
    const takeoverBefore = loop.takeoverAt;
    loop
      .run(scheduledFor, kind)
      .catch((err: unknown) =>
        this.#logger.error({ err, deviceId: loop.spec.id }, 'device loop failed'),
      )
      .finally(() => {
        loop.running = false;
        this.#running--;
        if (loop.takeoverAt !== takeoverBefore && !loop.removed) this.#schedule(loop);
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
      e.loop.queued = false;
      if (!e.loop.removed) this.#start(e.loop, e.scheduledFor, e.kind);
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
