import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AddressInfo } from 'node:net';
import {
  CollectorRegistry,
  ConfigError,
  PollEngine,
  Reconciler,
  systemClock,
  validateDeviceRow,
} from '@pollfleet/core';
import type { CollectorDeps, TimerHandle } from '@pollfleet/core';
import type { PollerConfig } from './config.js';
import { loadCollectorPlugins } from './collector-plugins.js';
import { registerBuiltinCollectors } from './builtin-collectors.js';
import { PollerHttpServer } from './http-server.js';
import { LeaseStoreProbe } from './lease-store-probe.js';
import type { PollerServices } from './poller-services.js';

export type PollerState = 'idle' | 'starting' | 'running' | 'draining' | 'stopped';

const STATUS_DEVICE_LIMIT = 500;
/** The longest wait between two attempts at a migration that could not run. */
const MIGRATE_RETRY_MAX_MS = 30_000;

/**
 * The poller process: inventory → reconciler → engine → collectors → bus, plus HTTP. It runs
 * on the services it is given (a fleet or a standalone set) and never builds an adapter.
 */
export class Poller {
  #state: PollerState = 'idle';
  readonly #config: PollerConfig;
  readonly #logger: Logger;
  readonly #registry = new Registry();
  readonly #collectors = new CollectorRegistry();
  readonly #services: PollerServices;
  readonly #engine: PollEngine;
  readonly #reconciler: Reconciler;
  readonly #http: PollerHttpServer;
  readonly #collectorDeps: CollectorDeps;
  readonly #leaseStoreProbe: LeaseStoreProbe;
  #migrateRetry: TimerHandle | undefined;
  readonly #startedAt = Date.now();

  constructor(config: PollerConfig, logger: Logger, services: PollerServices) {
    this.#config = config;
    this.#logger = logger;
    this.#services = services;
    collectDefaultMetrics({ register: this.#registry });
    this.#leaseStoreProbe = new LeaseStoreProbe(
      services.pingLeaseStore && (() => services.pingLeaseStore!()),
      systemClock,
    );
    this.#collectorDeps = {
      logger,
      clock: systemClock,
      sharedState: services.sharedState,
    };
    this.#engine = new PollEngine({
      podId: config.podId,
      logger,
      leases: services.leases,
      breakers: services.breakers,
      bus: services.bus,
      registry: this.#registry,
      credentials: services.inventory.credentials,
      concurrency: config.concurrency,
      dispatchGridMs: config.dispatchGridMs,
      leaseMarginMs: config.leaseMarginMs,
      watchdogMs: config.watchdogMs,
      breaker: { failureThreshold: config.breakerFailures },
    });
    this.#reconciler = new Reconciler({
      inventory: services.inventory,
      target: this.#engine,
      ownership: services.ownership,
      validate: (row) =>
        validateDeviceRow(
          row,
          (type) => this.#collectors.get(type, this.#collectorDeps),
          { minIntervalMs: config.minIntervalMs },
          () => this.#collectors.types(),
        ),
      logger: logger.child({ component: 'reconciler' }),
      metrics: this.#engine.metrics,
      refreshMs: config.refreshMs,
      validateTimeoutMs: config.validateTimeoutMs,
    });
    this.#http = new PollerHttpServer(
      this.#registry,
      {
        health: () => this.#engine.health(),
        ready: () => this.ready(),
        status: () => this.status(),
      },
      logger.child({ component: 'http' }),
    );
  }

  get state(): PollerState {
    return this.#state;
  }

  /** Registers collectors, migrates when asked, serves HTTP, syncs the inventory, starts polling. */
  async start(): Promise<AddressInfo> {
    if (this.#state !== 'idle') throw new Error(`cannot start a poller that is ${this.#state}`);
    this.#state = 'starting';
    const { inventory, membership } = this.#services;
    registerBuiltinCollectors(
      this.#collectors,
      { snmpProfiles: inventory.snmpProfiles },
      this.#config,
    );
    // A Redis that refuses the URL's database stops start-up; an unreachable one does not.
    await this.#services.checkSetup?.();
    // Readiness reflects the lease store from the start, not from the first failed lease call.
    await this.#leaseStoreProbe.check();
    await loadCollectorPlugins(this.#collectors, this.#config.collectorModules, {
      podId: this.#config.podId,
    });
    const address = await this.#http
      .listen(this.#config.httpHost, this.#config.httpPort)
      .catch((err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        throw new ConfigError(
          'POLLFLEET_HTTP_HOST/POLLFLEET_HTTP_PORT',
          `cannot listen on ${this.#config.httpHost}:${this.#config.httpPort}: ${reason}`,
        );
      });
    if (this.#config.migrate) {
      // A migration that cannot run (the database is down) is an outage like any other: start
      // degraded and retry it until it runs, as `pollfleet run` without --migrate does.
      await this.#migrate(0);
    } else {
      await inventory.checkSchema();
    }
    // An unreachable membership store is an outage: keep starting, the heartbeats go on retrying.
    await membership.start().catch((err: unknown) => {
      this.#logger.warn({ err }, 'membership: first heartbeat failed; retrying in the background');
    });
    await this.#reconciler.start();
    // stop() may have been called while starting (a signal): do not start polling then.
    if (this.state !== 'starting') return address;
    this.#engine.start();
    this.#state = 'running';
    this.#logger.info(
      {
        mode: this.#services.mode,
        http: `${address.address}:${address.port}`,
        devices: this.#engine.deviceCount,
        collectors: this.#collectors.types(),
        concurrency: this.#config.concurrency,
        dispatchGridMs: this.#config.dispatchGridMs,
        inventory: inventory.describe(),
      },
      'poller running',
    );
    return address;
  }

  /** Runs the migrations; on failure logs why (once per distinct reason) and retries later. */
  async #migrate(attempt: number, lastReason?: string): Promise<void> {
    const { inventory } = this.#services;
    try {
      const applied = await inventory.migrate();
      this.#logger.info(
        { applied },
        applied.length ? 'inventory migrated' : 'inventory schema up to date',
      );
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      const retryMs = Math.min(1000 * 2 ** attempt, MIGRATE_RETRY_MAX_MS);
      if (reason !== lastReason) {
        this.#logger.warn(
          `cannot migrate the inventory database ${inventory.describe()} (POLLFLEET_DATABASE_URL): ${reason}; starting degraded, retrying until it runs`,
        );
      }
      if (this.#state !== 'starting' && this.#state !== 'running') return;
      this.#migrateRetry = systemClock.setTimeout(() => {
        this.#migrateRetry = undefined;
        this.#migrate(attempt + 1, reason).catch((e: unknown) => {
          this.#logger.error({ err: e }, 'inventory migration failed');
        });
      }, retryMs);
    }
  }

  /** Stops polling, lets in-flight polls finish within the grace period, releases every lease. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'draining') return;
    this.#state = 'draining';
    this.#migrateRetry?.cancel();
    this.#logger.info(
      { graceMs: this.#config.shutdownGraceMs },
      'stopping: finishing in-flight polls and releasing leases',
    );
    await this.#engine.stop(this.#config.shutdownGraceMs);
    await this.#reconciler.stop();
    await this.#collectors.close();
    await this.#services.membership.stop().catch((err: unknown) => {
      this.#logger.warn({ err }, 'membership: could not leave; the entry expires on its own');
    });
    await this.#services.close();
    await this.#http.close();
    this.#state = 'stopped';
    this.#logger.info('stopped');
  }

  /**
   * Ready to do its job: polling, the inventory read at least once, and leases checkable: the
   * lease store answers a PING (cached for a second) and the engine's lease calls succeed.
   * (Liveness is separate: restarting a pod does not bring Redis or PostgreSQL back.)
   */
  async ready(): Promise<boolean> {
    if (!this.#readyExceptStore()) return false;
    return (await this.#leaseStoreProbe.check()) && this.#readyExceptStore();
  }

  /** {@link ready} as last checked, without a new PING (for `/status`). */
  #readyNow(): boolean {
    return this.#readyExceptStore() && this.#leaseStoreProbe.up === true;
  }

  /** The engine's view of its lease calls, or the last PING's failure when the calls look fine. */
  #leaseStoreStatus(): unknown {
    const calls = this.#engine.leaseHealth.snapshot();
    if (calls.state !== 'ok' || this.#leaseStoreProbe.up !== false) return calls;
    return { state: 'unreachable', error: this.#leaseStoreProbe.lastError ?? 'no answer to PING' };
  }

  #readyExceptStore(): boolean {
    return (
      this.#state === 'running' &&
      this.#reconciler.lastSyncAt !== undefined &&
      this.#engine.leaseHealth.healthy
    );
  }

  status(): unknown {
    const devices = this.#engine.devices();
    const invalid = this.#reconciler.invalidDevices();
    return {
      pod: this.#config.podId,
      state: this.#state,
      mode: this.#services.mode,
      members: this.#services.membership.members(),
      startedAt: new Date(this.#startedAt).toISOString(),
      health: this.#engine.health(),
      ready: this.#readyNow(),
      leaseStore: this.#leaseStoreStatus(),
      inventory: {
        degraded: this.#reconciler.degraded,
        lastError: this.#reconciler.lastError ?? null,
        lastSyncAt: this.#reconciler.lastSyncAt
          ? new Date(this.#reconciler.lastSyncAt).toISOString()
          : null,
      },
      collectors: this.#collectors.types(),
      summary: {
        devices: devices.length,
        leasesHeld: devices.filter((d) => d.leaseHeld).length,
        breakersOpen: devices.filter((d) => d.leaseHeld && d.breaker.state !== 'closed').length,
        invalid: invalid.length,
      },
      invalidDevices: invalid,
      devices: devices.slice(0, STATUS_DEVICE_LIMIT).map((d) => ({
        id: d.id,
        name: d.name,
        collector: d.collectorType,
        target: `${d.host}:${d.port}`,
        leaseHeld: d.leaseHeld,
        lease: d.leaseState,
        fence: d.fence ?? null,
        breaker: d.breaker.state,
        parked: d.breaker.parked,
        lastError: d.breaker.lastError ?? null,
        nextSlotAt: new Date(d.nextSlot).toISOString(),
        // While the breaker is open, slots are skipped until then.
        retryAt: d.breaker.state === 'open' ? new Date(d.breaker.openUntil).toISOString() : null,
        lastPoll: d.lastPoll
          ? { ...d.lastPoll, scheduledFor: new Date(d.lastPoll.scheduledFor).toISOString() }
          : null,
      })),
      devicesTruncated: devices.length > STATUS_DEVICE_LIMIT,
    };
  }
}
