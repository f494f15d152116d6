import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.js';
import { systemClock } from './clock.js';
import type { Collector } from './collector.js';
import type { DeviceRow, DeviceSpec } from './device.js';
import { DeviceConfigError } from './errors.js';
import type { Inventory, InventoryChange, InventoryWatch } from './inventory.js';
import { LogThrottle } from './log-throttle.js';
import type { OwnershipFilter } from './ownership.js';
import { ownEverything } from './ownership.js';
import type { PollerMetrics } from './poller-metrics.js';

/** What the reconciler drives: the engine, or a fake in tests. */
export interface ReconcileTarget {
  has(deviceId: string): boolean;
  revisionOf(deviceId: string): number | undefined;
  deviceIds(): string[];
  upsert(spec: DeviceSpec, collector: Collector): void;
  remove(deviceId: string): Promise<void>;
  refreshCredentials(deviceId: string): void;
}

export interface ReconcilerOptions {
  inventory: Inventory;
  target: ReconcileTarget;
  /** Validates a row (see validateDeviceRow); throws DeviceConfigError for an unusable row. */
  validate: (row: DeviceRow) => { spec: DeviceSpec; collector: Collector };
  logger: Logger;
  metrics?: PollerMetrics;
  /** @defaultValue every device */
  ownership?: OwnershipFilter;
  /** @defaultValue the system clock */
  clock?: Clock;
  /**
   * Full sync period, a safety net under LISTEN/NOTIFY.
   * @defaultValue 30000
   */
  refreshMs?: number;
  /**
   * Longest wait between retries while the inventory is unreachable.
   * @defaultValue 30000
   */
  maxRetryMs?: number;
  /**
   * How long a collector's asynchronous row check ({@link Collector.validate}) may take before
   * the row is accepted unchecked.
   * @defaultValue 5000
   */
  validateTimeoutMs?: number;
}

export interface InvalidDevice {
  readonly deviceId: string;
  readonly name: string;
  readonly field: string;
  readonly reason: string;
}

/**
 * Keeps the engine's devices equal to the enabled, valid, owned rows: a full sync every
 * `refreshMs`, plus the rows named by change notifications as they arrive. While the inventory
 * is unreachable it keeps the last known set, retries with backoff and reports degraded.
 */
export class Reconciler {
  readonly #o: Required<Omit<ReconcilerOptions, 'metrics'>> & {
    metrics: PollerMetrics | undefined;
  };
  readonly #invalid = new Map<string, InvalidDevice & { revision: number }>();
  #watch: InventoryWatch | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #degraded = false;
  #failures = 0;
  #lastSyncAt: number | undefined;
  #lastError: string | undefined;
  #pending: Set<string> | 'all' | undefined;
  #syncing: Promise<void> | undefined;
  #unsubscribeOwnership: (() => void) | undefined;
  /** Collector types whose row check failed (not a bad row) during the current sync. */
  readonly #unchecked = new Set<string>();
  readonly #stopping = new AbortController();
  readonly #checkWarnings: LogThrottle;

  constructor(options: ReconcilerOptions) {
    this.#o = {
      ...options,
      metrics: options.metrics,
      ownership: options.ownership ?? ownEverything,
      clock: options.clock ?? systemClock,
      refreshMs: options.refreshMs ?? 30_000,
      maxRetryMs: options.maxRetryMs ?? 30_000,
      validateTimeoutMs: options.validateTimeoutMs ?? 5_000,
    };
    this.#checkWarnings = new LogThrottle(this.#o.logger, this.#o.clock, 60_000);
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  get lastSyncAt(): number | undefined {
    return this.#lastSyncAt;
  }

  /** Why the last inventory read failed, while degraded. */
  get lastError(): string | undefined {
    return this.#degraded ? this.#lastError : undefined;
  }

  invalidDevices(): InvalidDevice[] {
    return [...this.#invalid.values()].map(({ revision: _r, ...d }) => d);
  }

  /** Subscribes to changes and runs the first full sync (which may fail: it is then retried). */
  async start(): Promise<void> {
    this.#unsubscribeOwnership = this.#o.ownership.onChange(() => this.#request('all'));
    try {
      this.#watch = await this.#o.inventory.watch(
        (change) => this.#request(change),
        (err) => {
          this.#o.logger.warn({ err }, 'inventory change feed interrupted; retrying');
          // A lost feed usually means the database is gone: find out now, not at the next refresh.
          if (!this.#degraded) this.#request('all');
        },
      );
    } catch (err) {
      this.#o.logger.warn(
        { err },
        'could not subscribe to inventory changes; relying on periodic sync',
      );
    }
    this.#request('all');
    await this.#syncing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    this.#timer?.cancel();
    this.#unsubscribeOwnership?.();
    await this.#syncing;
    await this.#watch?.close();
  }

  /** Runs a full sync now and waits for it (tests, CLI). */
  async syncNow(): Promise<void> {
    this.#request('all');
    await this.#syncing;
  }

  #request(change: InventoryChange): void {
    if (this.#stopped) return;
    if (change === 'all' || this.#pending === 'all') this.#pending = 'all';
    else {
      this.#pending ??= new Set();
      for (const id of change) this.#pending.add(id);
    }
    this.#syncing ??= this.#drain().finally(() => (this.#syncing = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined && !this.#stopped) {
      const work = this.#pending;
      this.#pending = undefined;
      const kind = work === 'all' ? 'full' : 'changes';
      this.#unchecked.clear();
      try {
        if (work === 'all') await this.#fullSync();
        else await this.#partialSync([...work]);
        this.#o.metrics?.inventorySyncs.inc({ kind, outcome: 'ok' });
        if (work === 'all') this.#lastSyncAt = this.#o.clock.now();
        this.#setDegraded(false);
        if (work === 'all') this.#arm(this.#o.refreshMs);
      } catch (err) {
        this.#o.metrics?.inventorySyncs.inc({ kind, outcome: 'error' });
        this.#failures++;
        this.#lastError = err instanceof Error ? err.message : String(err);
        const retryMs = Math.min(this.#o.maxRetryMs, 500 * 2 ** Math.min(this.#failures - 1, 10));
        this.#o.logger.warn(
          { err, retryMs },
          'inventory unreachable; polling the last known devices',
        );
        this.#setDegraded(true);
        // Whatever failed is retried as a full sync: changes may have been missed meanwhile.
        this.#arm(retryMs);
      }
    }
  }

  #arm(ms: number): void {
    this.#timer?.cancel();
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimeout(() => this.#request('all'), ms);
  }

  #setDegraded(degraded: boolean): void {
    if (!degraded) this.#failures = 0;
    if (degraded === this.#degraded) return;
    this.#degraded = degraded;
    this.#o.metrics?.inventoryDegraded.set(degraded ? 1 : 0);
    if (!degraded) this.#o.logger.info('inventory reachable again');
  }

  async #fullSync(): Promise<void> {
    const rows = await this.#o.inventory.listEnabled();
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      await this.#apply(row);
    }
    for (const id of this.#o.target.deviceIds()) {
      if (!seen.has(id)) await this.#o.target.remove(id);
    }
    for (const id of this.#invalid.keys()) if (!seen.has(id)) this.#invalid.delete(id);
    this.#o.metrics?.devicesInvalid.set(this.#invalid.size);
  }

  async #partialSync(ids: string[]): Promise<void> {
    const rows = await this.#o.inventory.getDevices(ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const row = byId.get(id);
      if (row?.enabled) {
        this.#o.target.refreshCredentials(id);
        await this.#apply(row);
      } else {
        this.#invalid.delete(id);
        await this.#o.target.remove(id);
      }
    }
    this.#o.metrics?.devicesInvalid.set(this.#invalid.size);
  }

  async #apply(row: DeviceRow): Promise<void> {
    if (!this.#o.ownership.owns(row.id)) {
      await this.#o.target.remove(row.id);
      return;
    }
    if (this.#o.target.revisionOf(row.id) === row.revision) return;
    let valid;
    try {
      valid = this.#o.validate(row);
      await this.#check(valid.spec, valid.collector);
    } catch (caught) {
      // Whatever a collector's validation throws, one bad row must not stop the others.
      const err =
        caught instanceof DeviceConfigError
          ? caught
          : new DeviceConfigError(
              row.id,
              'options',
              caught instanceof Error ? caught.message : String(caught),
            );
      const known = this.#invalid.get(row.id);
      if (known?.revision !== row.revision) {
        this.#o.logger.error(
          { deviceId: row.id, device: row.name, field: err.field, code: err.code },
          `device skipped: ${err.message}`,
        );
      }
      this.#invalid.set(row.id, {
        deviceId: row.id,
        name: row.name,
        field: err.field,
        reason: err.message,
        revision: row.revision,
      });
      await this.#o.target.remove(row.id);
      return;
    }
    this.#invalid.delete(row.id);
    this.#o.target.upsert(valid.spec, valid.collector);
  }

  /**
   * The collector's asynchronous check of a row. Only a DeviceConfigError makes the row invalid:
   * a check that fails otherwise or runs out of time (the collector's source is down) accepts
   * the row, and the collector's poll-time handling applies. After one such failure the
   * collector type is not checked again until the next sync, so an outage costs one timeout.
   */
  async #check(spec: DeviceSpec, collector: Collector): Promise<void> {
    if (!collector.validate || this.#unchecked.has(collector.type) || this.#stopped) return;
    const ac = new AbortController();
    let timer: TimerHandle | undefined;
    let onStop: (() => void) | undefined;
    try {
      await Promise.race([
        // The executor turns a synchronous throw into a rejection too.
        new Promise<void>((resolve) => resolve(collector.validate?.(spec, ac.signal))),
        new Promise<never>((_, reject) => {
          const ms = this.#o.validateTimeoutMs;
          timer = this.#o.clock.setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
          onStop = () => reject(new Error('reconciler stopping'));
          this.#stopping.signal.addEventListener('abort', onStop, { once: true });
        }),
      ]);
    } catch (err) {
      if (err instanceof DeviceConfigError) throw err;
      this.#unchecked.add(collector.type);
      this.#checkWarnings.warn(
        collector.type,
        { err, deviceId: spec.id, collector: collector.type },
        'could not check device rows with their collector; accepting them unchecked (problems show at poll time)',
      );
    } finally {
      timer?.cancel();
      if (onStop) this.#stopping.signal.removeEventListener('abort', onStop);
      ac.abort();
    }
  }
}
