export { MemoryLeaseStore } from './memory-lease-store.js';
export { MemoryBreakerStore } from './memory-breaker-store.js';
export { MemorySharedState } from './memory-shared-state.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { MemoryBusClosedError } from './errors.js';
export {
  MemoryMembership,
  MemoryMembershipGroup,
  type MemoryMembershipOptions,
} from './memory-membership.js';
