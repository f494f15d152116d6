import type { Logger } from 'pino';
import { ConfigError } from '@pollfleet/core';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import type { PollerConfig } from './config.js';
import type { PollerInventory } from './poller-services.js';

/** The device store on the PostgreSQL at `POLLFLEET_DATABASE_URL`. */
export function openPostgresInventory(config: PollerConfig, logger: Logger): PollerInventory {
  const inventory = new PostgresInventory({
    connectionString: config.databaseUrl,
    schema: config.databaseSchema,
    logger: logger.child({ component: 'inventory' }),
  });
  return {
    credentials: inventory.credentials,
    snmpProfiles: inventory.snmpProfiles,
    listEnabled: () => inventory.listEnabled(),
    getDevices: (ids) => inventory.getDevices(ids),
    watch: (onChange, onError) => inventory.watch(onChange, onError),
    migrate: () => inventory.migrate(),
    close: () => inventory.close(),
    describe: () => describeDatabase(config.databaseUrl, config.databaseSchema),
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
        logger.warn(
          `inventory database ${describeDatabase(config.databaseUrl, config.databaseSchema)} (POLLFLEET_DATABASE_URL) did not answer: ${reasonOf(err)}; starting degraded and retrying`,
        );
      }
    },
  };
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** host:port/database (schema) of a PostgreSQL URL, for logs: never the user's password. */
function describeDatabase(url: string, schema: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname} (schema ${schema})`;
}
