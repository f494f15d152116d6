export { FleetKeys } from './keys.js';
export { CoordinationRedisError, CoordinationDecodeError } from './errors.js';
export {
  RedisLeaseStore,
  resolveRedisLeaseStoreOptions,
  type RedisLeaseStoreOptions,
  type ResolvedRedisLeaseStoreOptions,
} from './lease-store.js';
export {
  RedisBreakerStore,
  resolveRedisBreakerStoreOptions,
  type RedisBreakerStoreOptions,
  type ResolvedRedisBreakerStoreOptions,
} from './breaker-store.js';
export { RedisSharedState, type RedisSharedStateOptions } from './shared-state.js';
export { recommendedRedisOptions } from './redis-options.js';
export {
  RedisMembership,
  resolveRedisMembershipOptions,
  type RedisMembershipOptions,
  type ResolvedRedisMembershipOptions,
} from './membership.js';
export { deleteFleetKeys } from './delete-keys.js';
