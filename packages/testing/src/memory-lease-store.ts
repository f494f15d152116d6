import type { AcquireOutcome, Lease } from '@pollfleet/core';
import { MemoryLeaseStore as ProductionMemoryLeaseStore } from '@pollfleet/coordination-memory';

/**
 * The production {@link ProductionMemoryLeaseStore} with a test knob: set `failing` to make
 * every call reject, as an unreachable store would.
 */
export class MemoryLeaseStore extends ProductionMemoryLeaseStore {
  failing = false;

  override acquire(
    deviceId: string,
    token: string,
    ttlMs: number,
    slot?: number,
  ): Promise<AcquireOutcome> {
    if (this.failing) return unreachable();
    return super.acquire(deviceId, token, ttlMs, slot);
  }

  override extend(lease: Lease, ttlMs: number, slot?: number): Promise<boolean> {
    if (this.failing) return unreachable();
    return super.extend(lease, ttlMs, slot);
  }

  override release(lease: Lease): Promise<boolean> {
    if (this.failing) return unreachable();
    return super.release(lease);
  }

  override releaseMany(leases: readonly Lease[]): Promise<number> {
    if (this.failing) return unreachable();
    return super.releaseMany(leases);
  }
}

function unreachable(): Promise<never> {
  return Promise.reject(new Error('lease store unreachable'));
}
