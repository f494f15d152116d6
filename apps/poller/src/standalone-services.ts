import type { Logger } from 'pino';
import { ownEverything } from '@pollfleet/core';
import {
  MemoryBreakerStore,
  MemoryBus,
  MemoryLeaseStore,
  MemoryMembership,
  MemorySharedState,
} from '@pollfleet/coordination-memory';
import type { PollerConfig } from './config.js';
import type { PollerInventory, PollerServices } from './poller-services.js';

/** Results the single-pod bus keeps in memory for in-process consumers. */
const STANDALONE_BUS_CAPACITY = 10_000;

/**
 * The standalone set: one pod, leases, breaker state and results in this process's memory; the
 * devices in whatever `inventory` is given (PostgreSQL today, an embedded database later).
 */
export function openStandaloneServices(
  config: PollerConfig,
  logger: Logger,
  inventory: PollerInventory,
): PollerServices {
  // With the embedded inventory the data folder's lock already keeps a second process out; on a
  // server's inventory nothing would stop a second pod from polling the same devices.
  if (config.databaseUrl !== undefined) {
    logger.warn(
      'POLLFLEET_REDIS_URL is not set: single-pod mode with in-memory leases and bus; do not run a second pod',
    );
  }
  const bus = new MemoryBus({ capacity: STANDALONE_BUS_CAPACITY });
  return {
    mode: 'single-pod',
    inventory,
    leases: new MemoryLeaseStore(),
    breakers: new MemoryBreakerStore(),
    sharedState: new MemorySharedState(),
    bus,
    membership: new MemoryMembership({ podId: config.podId }),
    ownership: ownEverything,
    close: async () => {
      await bus.close();
      await inventory.close();
    },
  };
}
