import type { AcquireOutcome, Clock, Lease, LeaseStore } from '@pollfleet/core';
import { systemClock } from '@pollfleet/core';

/** Token and fence both, as the Lua scripts check: a stale lease of a token that owns the device again is not its owner. */
function owns(held: { token: string; fence: number }, lease: Lease): boolean {
  return held.token === lease.token && held.fence === lease.fence;
}

/**
 * In-memory {@link LeaseStore} with the same semantics as the Redis one (owner tokens, TTLs,
 * fences that increase on every new owner, the last claimed slot kept across release). Correct
 * for the pods of one process only: the single-pod standalone mode, and unit tests.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly #leases = new Map<string, { token: string; fence: number; expiresAt: number }>();
  readonly #fences = new Map<string, number>();
  readonly #slots = new Map<string, number>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  acquire(deviceId: string, token: string, ttlMs: number, slot?: number): Promise<AcquireOutcome> {
    const now = this.#clock.now();
    const held = this.#leases.get(deviceId);
    if (held && held.expiresAt > now && held.token !== token) {
      return Promise.resolve({ acquired: false, remainingMs: held.expiresAt - now });
    }
    const fence =
      held?.token === token && held.expiresAt > now
        ? held.fence
        : (this.#fences.get(deviceId) ?? 0) + 1;
    this.#fences.set(deviceId, fence);
    this.#leases.set(deviceId, { token, fence, expiresAt: now + ttlMs });
    const previousSlot = this.#slots.get(deviceId);
    this.#claim(deviceId, slot);
    return Promise.resolve({ acquired: true, lease: { deviceId, token, fence }, previousSlot });
  }

  extend(lease: Lease, ttlMs: number, slot?: number): Promise<boolean> {
    const held = this.#leases.get(lease.deviceId);
    const now = this.#clock.now();
    if (!held || !owns(held, lease) || held.expiresAt <= now) return Promise.resolve(false);
    held.expiresAt = now + ttlMs;
    this.#claim(lease.deviceId, slot);
    return Promise.resolve(true);
  }

  release(lease: Lease): Promise<boolean> {
    const held = this.#leases.get(lease.deviceId);
    if (!held || !owns(held, lease)) return Promise.resolve(false);
    this.#leases.delete(lease.deviceId);
    return Promise.resolve(held.expiresAt > this.#clock.now());
  }

  /** Releases each lease (as Redis does in one pipeline); resolves to how many were held and freed. */
  async releaseMany(leases: readonly Lease[]): Promise<number> {
    let released = 0;
    for (const lease of leases) if (await this.release(lease)) released++;
    return released;
  }

  /** The token holding `deviceId` now, if any. */
  holder(deviceId: string): string | undefined {
    const held = this.#leases.get(deviceId);
    return held && held.expiresAt > this.#clock.now() ? held.token : undefined;
  }

  #claim(deviceId: string, slot: number | undefined): void {
    if (slot !== undefined && slot > (this.#slots.get(deviceId) ?? -1))
      this.#slots.set(deviceId, slot);
  }
}
