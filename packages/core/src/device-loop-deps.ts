import type { Logger } from 'pino';
import type { BreakerOptions } from './breaker.js';
import type { BreakerStore } from './breaker-store.js';
import type { ResultsBus } from './bus.js';
import type { Clock } from './clock.js';
import type { CredentialCache } from './credential-cache.js';
import type { LeaseStore } from './lease.js';
import type { LogThrottle } from './log-throttle.js';
import type { PollerMetrics } from './poller-metrics.js';
import type { StoreHealth } from './store-health.js';

/** What every device loop of one engine shares. */
export interface DeviceLoopDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly podId: string;
  readonly leases: LeaseStore;
  readonly breakers: BreakerStore;
  readonly bus: ResultsBus;
  readonly credentials: CredentialCache;
  readonly metrics: PollerMetrics;
  readonly breakerOptions: BreakerOptions;
  readonly leaseMarginMs: number;
  /** Aborted when the engine's shutdown grace period ends. */
  readonly shutdownSignal: AbortSignal;
  readonly random: () => number;
  /** For failures that hit every device at once (the lease store is down). */
  readonly throttle: LogThrottle;
  /** Whether the lease store answered its last operation. */
  readonly leaseHealth: StoreHealth;
}

export type RunKind = 'slot' | 'takeover';

/** The last poll of a device, for the status view. */
export interface LastPoll {
  readonly scheduledFor: number;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly errorCode?: string;
}
