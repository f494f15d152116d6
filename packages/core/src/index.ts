// The public surface of @pollfleet/core, by name: what collector plug-ins, adapters and the app
// use. Engine internals (the device loop, due queue, breaker transitions, metrics plumbing) are
// not here; what only tests need is in `@pollfleet/core/internal`.

// Errors
export {
  PollfleetError,
  ConfigError,
  DeviceConfigError,
  CollectError,
  PollTimeoutError,
  toCollectError,
  type FailureKind,
} from './errors.js';

// Time
export { systemClock, type Clock, type TimerHandle } from './clock.js';

// The collector SPI
export type { DeviceRow, DeviceSpec } from './device.js';
export type {
  CollectContext,
  CollectResult,
  Collector,
  CollectorDeps,
  CollectorFactory,
} from './collector.js';
export { CollectorRegistry } from './collector-registry.js';
export { Credentials, type CredentialResolver } from './credentials.js';
export { InFlightPolls, type InFlightPoll } from './in-flight-polls.js';
export { validateDeviceRow, type DeviceLimits } from './device-validation.js';

// Ports (implemented by the adapters) and the pure policies beside them
export { RESULT_SCHEMA_VERSION, type PollResult, type ResultsBus } from './bus.js';
export type { AcquireOutcome, Lease, LeaseStore } from './lease.js';
export type { BreakerStore } from './breaker-store.js';
export {
  CLOSED_BREAKER,
  type BreakerOptions,
  type BreakerSnapshot,
  type BreakerState,
} from './breaker.js';
export { namespacedSharedState, type SharedStateStore } from './shared-state.js';
export type { Inventory, InventoryChange, InventoryWatch } from './inventory.js';
export {
  checkCapacity,
  normaliseMembers,
  sameMembers,
  type Membership,
  type PodMember,
} from './membership.js';
export { ownEverything, type OwnershipFilter } from './ownership.js';
export {
  RendezvousOwnership,
  rendezvousOwner,
  type MembershipView,
} from './rendezvous-ownership.js';
export { FenceFilter, type FenceFilterOptions, type FenceVerdict } from './fence-filter.js';

// The engine, as the app drives it
export { PollEngine, type EngineState } from './poll-engine.js';
export type { PollEngineOptions } from './poll-engine-options.js';
export type { DeviceStatus } from './device-status.js';
export type { LastPoll, RunKind } from './device-loop-deps.js';
export { phaseOf, slotAtOrAfter, slotAtOrBefore } from './poll-phase.js';
export {
  Reconciler,
  type InvalidDevice,
  type ReconcileTarget,
  type ReconcilerOptions,
} from './reconciler.js';
export type { PollerMetrics, PollOutcome } from './poller-metrics.js';
export type { StoreHealth } from './store-health.js';
export type { LeaseHold, LeaseState } from './lease-holder.js';
