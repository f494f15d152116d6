import { Kysely, Migrator } from 'kysely';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { InventoryMigrationError } from './errors.js';
import { openInventoryDriver } from './inventory-driver.js';
import { InventoryMigrationProvider } from './migrations/index.js';
import { assertSchemaName, resolveInventoryOptions } from './options.js';
import { withSchemaScopedIntrospection } from './schema-scoped-introspector.js';
import type { InventoryOptions } from './options.js';

export interface MigrateOptions {
  /**
   * Schema to migrate (created if missing). When `migrate` is given `InventoryOptions`, their
   * `schema` is the default.
   * @defaultValue 'public'
   */
  schema?: string;
  /** @defaultValue the options' logger, else a silent logger */
  logger?: Logger;
}

/**
 * Applies the pending inventory migrations and returns the names it applied (empty when the
 * schema is current). Safe to call from several pods at once: Kysely's migrator holds a
 * PostgreSQL advisory lock and applies everything in one transaction.
 *
 * `target` is either inventory options (a short-lived pool, or the embedded data folder, is
 * opened and closed) or an existing Kysely instance (any PostgreSQL dialect), left open.
 */
export async function migrate<DB>(
  target: Kysely<DB> | InventoryOptions,
  options: MigrateOptions = {},
): Promise<string[]> {
  if (target instanceof Kysely) {
    const schema = options.schema ?? 'public';
    assertSchemaName(schema);
    const logger = options.logger ?? pino({ level: 'silent' });
    return migrateDb(target as unknown as Kysely<unknown>, schema, logger);
  }
  const resolved = resolveInventoryOptions(target);
  const schema = options.schema ?? resolved.schema;
  assertSchemaName(schema);
  const logger = options.logger ?? resolved.logger;
  const driver = openInventoryDriver(resolved);
  try {
    return await driver.withMigrationDb((db) => migrateDb(db, schema, logger));
  } finally {
    await driver.close();
  }
}

/** Applies the migrations to `schema` through `db`. */
export async function migrateDb(
  db: Kysely<unknown>,
  schema: string,
  logger: Logger,
): Promise<string[]> {
  const migrator = new Migrator({
    db: withSchemaScopedIntrospection(db, schema),
    provider: new InventoryMigrationProvider(schema),
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const what = failed === undefined ? 'inventory migration' : `inventory migration ${failed}`;
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new InventoryMigrationError(`${what} failed in schema "${schema}": ${reason}`, error);
  }
  if (applied.length > 0) logger.info({ schema, applied }, 'inventory migrations applied');
  else logger.debug({ schema }, 'inventory schema is current');
  return applied;
}
