import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BreakerOptions } from './breaker.js';
import type { BreakerStore } from './breaker-store.js';
import type { ResultsBus } from './bus.js';
import type { Clock } from './clock.js';
import type { CredentialResolver } from './credentials.js';
import type { LeaseStore } from './lease.js';

/** What a {@link PollEngine} is built from; every default is documented with its field. */
export interface PollEngineOptions {
  podId: string;
  logger: Logger;
  leases: LeaseStore;
  breakers: BreakerStore;
  bus: ResultsBus;
  registry: Registry;
  /** Resolves `credentials_ref`; without one, devices that reference credentials fail permanently. */
  credentials?: CredentialResolver;
  /** @defaultValue the system clock */
  clock?: Clock;
  /**
   * Polls (including their lease round trips) running at once. When all are busy, due polls
   * wait in a queue holding at most one entry per device, and start late (lag is measured).
   * @defaultValue 64
   */
  concurrency?: number;
  /**
   * Added to interval + timeout to form a device's lease TTL.
   * @defaultValue 15000
   */
  leaseMarginMs?: number;
  /**
   * Due polls are started on a grid of this many ms (a device due at 1003 ms starts at 1020),
   * so polls due close together start together: one timer wake-up, their lease round trips
   * pipelined in one write, their replies read in one go. The slot a poll is for, and so which
   * slot every pod polls, does not change; only its start moves, by less than this (lag is
   * measured from the slot). 0 starts each poll at its exact due time. On the whole-path SNMP
   * bench at 600 polls/s this took about a fifth off the CPU per poll (docs/benchmarks.md).
   * @defaultValue 20
   */
  dispatchGridMs?: number;
  /** @defaultValue see {@link BreakerOptions} */
  breaker?: BreakerOptions;
  /**
   * If devices are due but no poll has started for this long, {@link PollEngine.health} reports
   * the engine unhealthy, so a liveness probe restarts a pod that silently stopped polling.
   * @defaultValue 60000
   */
  watchdogMs?: number;
  /**
   * How long resolved credentials are reused before being read again.
   * @defaultValue 300000
   */
  credentialsTtlMs?: number;
  /** @defaultValue Math.random */
  random?: () => number;
}
