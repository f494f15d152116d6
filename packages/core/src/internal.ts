// @pollfleet/core/internal: engine parts that tests exercise directly. Not a stable API: plug-ins
// and adapters use `@pollfleet/core`.
export { DueQueue } from './due-queue.js';
export {
  backoffFor,
  breakerAllows,
  breakerOnFailure,
  breakerOnSuccess,
  resolveBreakerOptions,
  type ResolvedBreakerOptions,
} from './breaker.js';
export { POLLER_STOPPING, callCollector, type CollectorCall } from './collector-call.js';
export { CredentialCache } from './credential-cache.js';
export { LogThrottle } from './log-throttle.js';
export { toPollResult, type PollResultBase } from './poll-result.js';
export {
  PollerMetrics,
  type LeaseOp,
  type LeaseOpOutcome,
  type PollerGaugeSource,
} from './poller-metrics.js';
export { StoreHealth } from './store-health.js';
