import type { BreakerSnapshot, BreakerStore } from '@pollfleet/core';

/** In-memory {@link BreakerStore}; share one instance between engines to model a shared Redis. */
export class MemoryBreakerStore implements BreakerStore {
  readonly snapshots = new Map<string, BreakerSnapshot>();

  load(deviceId: string): Promise<BreakerSnapshot | undefined> {
    return Promise.resolve(this.snapshots.get(deviceId));
  }

  save(deviceId: string, snapshot: BreakerSnapshot): Promise<void> {
    this.snapshots.set(deviceId, snapshot);
    return Promise.resolve();
  }

  delete(deviceId: string): Promise<void> {
    this.snapshots.delete(deviceId);
    return Promise.resolve();
  }
}
