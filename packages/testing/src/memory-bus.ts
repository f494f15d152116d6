import type { PollResult } from '@pollfleet/core';
import { MemoryBus as ProductionMemoryBus } from '@pollfleet/coordination-memory';

/** The production memory bus with a large default capacity and every kept result in view. */
export class MemoryBus extends ProductionMemoryBus {
  constructor(capacity = 100_000) {
    super({ capacity });
  }

  /** Published results, oldest first (at least the last `capacity`). */
  get results(): readonly PollResult[] {
    return this.buffer;
  }
}
