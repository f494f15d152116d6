import type { BreakerSnapshot, BreakerStore } from '@pollfleet/core';

/**
 * In-memory {@link BreakerStore}: breaker state survives a device moving between the engines of
 * one process (share one instance), not a restart. One entry per device, dropped by `delete`.
 */
export class MemoryBreakerStore implements BreakerStore {
  protected readonly entries = new Map<string, BreakerSnapshot>();

  load(deviceId: string): Promise<BreakerSnapshot | undefined> {
    return Promise.resolve(this.entries.get(deviceId));
  }

  save(deviceId: string, snapshot: BreakerSnapshot): Promise<void> {
    this.entries.set(deviceId, snapshot);
    return Promise.resolve();
  }

  delete(deviceId: string): Promise<void> {
    this.entries.delete(deviceId);
    return Promise.resolve();
  }
}
