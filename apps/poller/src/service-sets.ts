import type { Logger } from 'pino';
import type { PollerConfig } from './config.js';
import { openFleetServices } from './fleet-services.js';
import { openPostgresInventory } from './postgres-inventory-service.js';
import type { PollerInventory, PollerServices } from './poller-services.js';
import { openStandaloneServices } from './standalone-services.js';

/** Picks the service set the configuration asks for: Redis configured → fleet, else standalone. */
export function openPollerServices(
  config: PollerConfig,
  logger: Logger,
  inventory: PollerInventory = openPostgresInventory(config, logger),
): PollerServices {
  const { redisUrl } = config;
  return redisUrl
    ? openFleetServices({ ...config, redisUrl }, logger, inventory)
    : openStandaloneServices(config, logger, inventory);
}
