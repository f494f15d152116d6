import type { BreakerSnapshot } from '@pollfleet/core';
import { MemoryBreakerStore as ProductionMemoryBreakerStore } from '@pollfleet/coordination-memory';

/** The production memory breaker store, with its snapshots open to inspection. */
export class MemoryBreakerStore extends ProductionMemoryBreakerStore {
  get snapshots(): ReadonlyMap<string, BreakerSnapshot> {
    return this.entries;
  }
}
