/** A held device lease: the owner token proves ownership; the fence orders owners. */
export interface Lease {
  readonly deviceId: string;
  readonly token: string;
  /** Increases on every new owner of the device, never reused; not consecutive. */
  readonly fence: number;
}

export type AcquireOutcome =
  | { readonly acquired: true; readonly lease: Lease }
  /** Held by someone else; `remainingMs` is the holder's remaining TTL (-1 when unknown). */
  | { readonly acquired: false; readonly remainingMs: number };

/**
 * At most one pod polls a device: before polling, a pod holds the device's lease. Extend and
 * release succeed only for the owner token. Implementations: Redis (fleet), memory (tests,
 * standalone).
 */
export interface LeaseStore {
  acquire(deviceId: string, token: string, ttlMs: number): Promise<AcquireOutcome>;
  /** True if still held by `lease.token` and prolonged; false if lost. Rejects on I/O error. */
  extend(lease: Lease, ttlMs: number): Promise<boolean>;
  /** True if it was held by `lease.token` and is now free. */
  release(lease: Lease): Promise<boolean>;
  /** Releases many leases in one round trip (shutdown); returns how many were held and freed. */
  releaseMany?(leases: readonly Lease[]): Promise<number>;
}
