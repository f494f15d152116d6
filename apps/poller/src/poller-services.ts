import type {
  BreakerStore,
  CredentialResolver,
  Inventory,
  LeaseStore,
  Membership,
  OwnershipFilter,
  ResultsBus,
  SharedStateStore,
} from '@pollfleet/core';
import type { SnmpProfileSource } from '@pollfleet/collector-snmp';

/** What the poller needs from a device store, whichever database holds it. */
export interface PollerInventory extends Inventory {
  readonly credentials: CredentialResolver;
  readonly snmpProfiles: SnmpProfileSource;
  /** Creates or upgrades the schema; resolves to the migrations applied. */
  migrate(): Promise<string[]>;
  /**
   * Throws a `ConfigError` saying what to run when the schema is missing; an unreachable
   * database is an outage, not a set-up mistake, and resolves (the reconciler keeps retrying).
   */
  checkSchema(): Promise<void>;
  /** Where the devices live, for logs: never a password. */
  describe(): string;
}

/**
 * Everything the poller runs on, built by one of the service sets (`fleet-services.ts`,
 * `standalone-services.ts`). The poller, the engine and the collectors only see the ports.
 */
export interface PollerServices {
  /** `fleet`: any number of pods share Redis; `single-pod`: coordination in this process only. */
  readonly mode: 'fleet' | 'single-pod';
  readonly inventory: PollerInventory;
  readonly leases: LeaseStore;
  readonly breakers: BreakerStore;
  readonly sharedState: SharedStateStore;
  readonly bus: ResultsBus;
  readonly membership: Membership;
  /** Which devices this pod schedules. */
  readonly ownership: OwnershipFilter;
  /**
   * Fleet set: throws a `ConfigError` when the coordination store refuses this configuration
   * (Redis without the URL's database number, a refused password); resolves when the store is
   * merely unreachable, which is an outage: the pod starts degraded and keeps retrying.
   */
  checkSetup?(): Promise<void>;
  /**
   * Fleet set: resolves when the lease store answers a PING within a second, rejects otherwise.
   * Readiness uses it (cached briefly); without it the lease store is in-process and always up.
   */
  pingLeaseStore?(): Promise<void>;
  /** Closes what the set opened (clients, the inventory); after the poller has stopped. */
  close(): Promise<void>;
}
