/** A held device lease: the owner token proves ownership; the fence orders owners. */
export interface Lease {
  readonly deviceId: string;
  readonly token: string;
  /** Increases on every new owner of the device, never reused; not consecutive. */
  readonly fence: number;
}

export type AcquireOutcome =
  | {
      readonly acquired: true;
      readonly lease: Lease;
      /**
       * The latest slot an earlier holder claimed (undefined when none is recorded). A slot at or
       * before it was already polled and must not be polled again.
       */
      readonly previousSlot: number | undefined;
    }
  /** Held by someone else; `remainingMs` is the holder's remaining TTL (-1 when unknown). */
  | { readonly acquired: false; readonly remainingMs: number };

/**
 * At most one pod polls a device: before polling, a pod holds the device's lease. Extend and
 * release succeed only for the owner token. Implementations: Redis (fleet), memory (tests,
 * standalone).
 */
export interface LeaseStore {
  /** `slot`: the slot the caller means to poll, claimed on success (see `previousSlot`). */
  acquire(deviceId: string, token: string, ttlMs: number, slot?: number): Promise<AcquireOutcome>;
  /**
   * True if still held by `lease.token` and prolonged (claiming `slot`, the slot about to be
   * polled); false if lost. Rejects on I/O error.
   */
  extend(lease: Lease, ttlMs: number, slot?: number): Promise<boolean>;
  /** True if it was held by `lease.token` and is now free. */
  release(lease: Lease): Promise<boolean>;
  /** Releases many leases in one round trip (shutdown); returns how many were held and freed. */
  releaseMany?(leases: readonly Lease[]): Promise<number>;
}
