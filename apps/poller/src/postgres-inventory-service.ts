import type { Logger } from 'pino';
import { ConfigError } from '@pollfleet/core';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import type { PollerConfig } from './config.js';
import type { PollerInventory } from './poller-services.js';

/**
 * The device store: the PostgreSQL server at `POLLFLEET_DATABASE_URL`, or without one the
 * embedded PostgreSQL in `POLLFLEET_DATA_DIR` (same tables, queries and notifications).
 */
export function createPostgresInventory(config: PollerConfig, logger: Logger): PostgresInventory {
  const target =
    config.databaseUrl === undefined
      ? { embedded: { dataDir: config.dataDir } }
      : { connectionString: config.databaseUrl };
  return new PostgresInventory({
    ...target,
    schema: config.databaseSchema,
    logger: logger.child({ component: 'inventory' }),
  });
}

/** The poller's view of a {@link PostgresInventory}. */
export function pollerInventory(
  inventory: PostgresInventory,
  config: PollerConfig,
  logger: Logger,
): PollerInventory {
  return {
    credentials: inventory.credentials,
    snmpProfiles: inventory.snmpProfiles,
    listEnabled: () => inventory.listEnabled(),
    getDevices: (ids) => inventory.getDevices(ids),
    watch: (onChange, onError) => inventory.watch(onChange, onError),
    migrate: () => inventory.migrate(),
    close: () => inventory.close(),
    describe: () =>
      config.databaseUrl === undefined
        ? `embedded PostgreSQL in ${config.dataDir} (schema ${config.databaseSchema})`
        : describeDatabase(config.databaseUrl, config.databaseSchema),
    checkSchema: async () => {
      try {
        await inventory.listEnabled();
      } catch (err) {
        if ((err as { code?: unknown }).code === '42P01') {
          throw new ConfigError(
            'POLLFLEET_DATABASE_URL',
            `no devices table in schema "${config.databaseSchema}"; create it with \`npm run pollfleet -- migrate\` (\`pollfleet migrate\` where installed), or start with --migrate or POLLFLEET_MIGRATE=true`,
          );
        }
        const where =
          config.databaseUrl === undefined
            ? `embedded inventory in ${config.dataDir} (POLLFLEET_DATA_DIR)`
            : `inventory database ${describeDatabase(config.databaseUrl, config.databaseSchema)} (POLLFLEET_DATABASE_URL)`;
        logger.warn(`${where} did not answer: ${reasonOf(err)}; starting degraded and retrying`);
      }
    },
  };
}

/** The poller's inventory, on a server or embedded as the configuration says. */
export function openPostgresInventory(config: PollerConfig, logger: Logger): PollerInventory {
  return pollerInventory(createPostgresInventory(config, logger), config, logger);
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** host:port/database (schema) of a PostgreSQL URL, for logs: never the user's password. */
function describeDatabase(url: string, schema: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname} (schema ${schema})`;
}
