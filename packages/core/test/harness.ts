import { Registry } from 'prom-client';
import { PollEngine, CollectorRegistry, validateDeviceRow, Reconciler } from '@pollfleet/core';
import type { DeviceRow, DeviceSpec, Lease, LeaseStore, PollEngineOptions } from '@pollfleet/core';
import {
  FakeClock,
  MemoryBreakerStore,
  MemoryBus,
  MemoryInventory,
  MemoryCredentials,
  MemoryLeaseStore,
  MemorySharedState,
  ScriptedCollector,
  testLogger,
} from '@pollfleet/testing';

/** A shared "fleet" of in-memory services: what Redis and PostgreSQL are to real pods. */
export class Fleet {
  readonly clock = new FakeClock();
  readonly leases = new MemoryLeaseStore(this.clock);
  readonly breakers = new MemoryBreakerStore();
  readonly bus = new MemoryBus();
  readonly collector = new ScriptedCollector(this.clock);
  readonly inventory = new MemoryInventory();
  readonly credentials = new MemoryCredentials();

  pod(name: string, options: Partial<PollEngineOptions> = {}): Pod {
    return new Pod(this, name, options);
  }

  spec(id: string, over: Partial<DeviceSpec> = {}): DeviceSpec {
    return {
      id,
      name: `dev-${id}`,
      collectorType: 'scripted',
      host: '127.0.0.1',
      port: 9,
      intervalMs: 1000,
      timeoutMs: 400,
      options: {},
      credentialsRef: null,
      labels: {},
      revision: 1,
      ...over,
    };
  }

  resultsOf(deviceId: string) {
    return this.bus.results.filter((r) => r.deviceId === deviceId);
  }
}

export class Pod {
  readonly engine: PollEngine;
  readonly registry = new Registry();
  readonly collectors = new CollectorRegistry();
  readonly name: string;
  readonly #fleet: Fleet;

  constructor(
    fleet: Fleet,
    name: string,
    options: Partial<PollEngineOptions> & { leases?: LeaseStore },
  ) {
    this.#fleet = fleet;
    this.name = name;
    this.collectors.registerCollector('scripted', () => fleet.collector.forPod(name));
    this.engine = new PollEngine({
      podId: name,
      logger: testLogger(),
      leases: fleet.leases,
      breakers: fleet.breakers,
      bus: fleet.bus,
      registry: this.registry,
      clock: fleet.clock,
      leaseMarginMs: 500,
      credentials: fleet.credentials,
      random: () => 0.5,
      ...options,
    });
  }

  /** Stops the engine while test time moves on (the grace period runs on the fake clock). */
  async stop(): Promise<void> {
    const stopping = this.engine.stop(1000);
    let done = false;
    void stopping.then(() => (done = true));
    for (let i = 0; i < 100 && !done; i++) await this.#fleet.clock.advance(50);
    await stopping;
  }

  add(spec: DeviceSpec): void {
    const collector = this.collectors.get(spec.collectorType, this.#deps());
    if (!collector) throw new Error(`no collector ${spec.collectorType}`);
    this.engine.upsert(spec, collector);
  }

  reconciler(
    extra: { minIntervalMs?: number; refreshMs?: number; validateTimeoutMs?: number } = {},
  ): Reconciler {
    return new Reconciler({
      inventory: this.#fleet.inventory,
      target: this.engine,
      validate: (row: DeviceRow) =>
        validateDeviceRow(
          row,
          (t) => this.collectors.get(t, this.#deps()),
          { minIntervalMs: extra.minIntervalMs ?? 100 },
          () => this.collectors.types(),
        ),
      logger: testLogger(),
      metrics: this.engine.metrics,
      clock: this.#fleet.clock,
      refreshMs: extra.refreshMs ?? 30_000,
      ...(extra.validateTimeoutMs === undefined
        ? {}
        : { validateTimeoutMs: extra.validateTimeoutMs }),
    });
  }

  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const base = name.replace(/_(count|sum|bucket)$/, '');
    const m = (await this.registry.getMetricsAsJSON()).find(
      (x) => x.name === name || x.name === base,
    );
    if (!m) throw new Error(`no metric ${name}`);
    type V = { value: number; labels: Record<string, string | number>; metricName?: string };
    return (m.values as V[])
      .filter((v) => (v.metricName ?? m.name) === name)
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((a, v) => a + v.value, 0);
  }

  #deps() {
    return {
      logger: testLogger(),
      clock: this.#fleet.clock,
      sharedState: new MemorySharedState(this.#fleet.clock),
    };
  }
}

/** A lease store that a "crashed" pod stops talking to (no release, no extend). */
export function crashable(inner: LeaseStore): LeaseStore & { crash(): void } {
  let dead = false;
  const gate = <T>(fn: () => Promise<T>): Promise<T> => (dead ? new Promise<T>(() => {}) : fn());
  return {
    crash: () => (dead = true),
    acquire: (id, token, ttl, slot) => gate(() => inner.acquire(id, token, ttl, slot)),
    extend: (lease: Lease, ttl, slot) => gate(() => inner.extend(lease, ttl, slot)),
    release: (lease: Lease) => gate(() => inner.release(lease)),
  };
}
