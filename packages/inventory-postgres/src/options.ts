import { ConfigError } from '@pollfleet/core';
import { pino } from 'pino';
import type { Logger } from 'pino';

/** How to reach the inventory database. Everything but `connectionString` has a default. */
export interface InventoryOptions {
  /** `postgres://` or `postgresql://` URL. */
  connectionString: string;
  /**
   * Schema holding the tables (tests use a random one to isolate).
   * @defaultValue 'public'
   */
  schema?: string;
  /**
   * Connections in the query pool (the watch uses one more, dedicated).
   * @defaultValue 4
   */
  poolSize?: number;
  /**
   * Server-side `statement_timeout` for inventory queries, in ms.
   * @defaultValue 10000
   */
  statementTimeoutMs?: number;
  /**
   * Time allowed to open a connection (and for the watch's health-check query), in ms.
   * @defaultValue 10000
   */
  connectTimeoutMs?: number;
  /**
   * Statement timeout while migrating; covers waiting for another pod's migration lock.
   * @defaultValue 120000
   */
  migrationTimeoutMs?: number;
  /**
   * Notifications arriving within this window are reported as one `onChange(ids)`.
   * @defaultValue 50
   */
  watchDebounceMs?: number;
  /**
   * First reconnect delay of the watch; doubles per failed attempt up to `reconnectMaxMs`.
   * @defaultValue 100
   */
  reconnectMinMs?: number;
  /** @defaultValue 5000 */
  reconnectMaxMs?: number;
  /**
   * How often the watch runs `SELECT 1` on its connection, so a silently dropped connection
   * (no RST) is noticed; 0 disables.
   * @defaultValue 30000
   */
  watchHealthCheckMs?: number;
  /** @defaultValue a silent logger */
  logger?: Logger;
}

export interface ResolvedInventoryOptions {
  readonly connectionString: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly migrationTimeoutMs: number;
  readonly watchDebounceMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly watchHealthCheckMs: number;
  readonly logger: Logger;
}

/** Schema names go into SQL identifiers and notification payloads: keep them plain. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string, field = 'schema'): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError(
      field,
      `"${schema}" must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)`,
    );
  }
}

function integer(field: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new ConfigError(field, `must be an integer >= ${min}, got ${String(value)}`);
  }
  return v;
}

function checkConnectionString(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError('connectionString', 'is required (postgres://user@host:port/database)');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('connectionString', 'is not a URL (postgres://user@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    // Do not echo the value: it may carry a password.
    throw new ConfigError(
      'connectionString',
      `must be a postgres:// or postgresql:// URL, not ${url.protocol}//`,
    );
  }
  return value;
}

/** Validates options and fills defaults; throws a ConfigError naming the bad field. */
export function resolveInventoryOptions(options: InventoryOptions): ResolvedInventoryOptions {
  const schema = options.schema ?? 'public';
  assertSchemaName(schema);
  const reconnectMinMs = integer('reconnectMinMs', options.reconnectMinMs, 100, 1);
  const reconnectMaxMs = integer('reconnectMaxMs', options.reconnectMaxMs, 5000, 1);
  if (reconnectMaxMs < reconnectMinMs) {
    throw new ConfigError('reconnectMaxMs', `must be >= reconnectMinMs (${reconnectMinMs})`);
  }
  return {
    connectionString: checkConnectionString(options.connectionString),
    schema,
    poolSize: integer('poolSize', options.poolSize, 4, 1),
    statementTimeoutMs: integer('statementTimeoutMs', options.statementTimeoutMs, 10_000, 0),
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 10_000, 1),
    migrationTimeoutMs: integer('migrationTimeoutMs', options.migrationTimeoutMs, 120_000, 0),
    watchDebounceMs: integer('watchDebounceMs', options.watchDebounceMs, 50, 0),
    reconnectMinMs,
    reconnectMaxMs,
    watchHealthCheckMs: integer('watchHealthCheckMs', options.watchHealthCheckMs, 30_000, 0),
    logger: options.logger ?? pino({ level: 'silent' }),
  };
}
