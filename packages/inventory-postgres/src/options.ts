import type { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '@pollfleet/core';
import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * The embedded PostgreSQL (PGlite, in-process): exactly one of `dataDir` and `pglite`.
 */
export interface EmbeddedInventoryOptions {
  /**
   * Data folder, created if missing; reopening it finds the rows again. One open inventory
   * at a time (a lock file refuses a second one). PostgreSQL's files go into `postgres/`
   * inside it, the lock is `inventory.lock`.
   */
  dataDir?: string;
  /** An already open PGlite, owned by the caller: the inventory never closes it (tests, tools). */
  pglite?: PGlite;
}

/**
 * Where the inventory lives: a PostgreSQL server (`connectionString`) or the embedded
 * PostgreSQL (`embedded`), exactly one. Everything else has a default.
 */
export interface InventoryOptions {
  /** `postgres://` or `postgresql://` URL of a PostgreSQL server. */
  connectionString?: string;
  /** The embedded PostgreSQL instead of a server. */
  embedded?: EmbeddedInventoryOptions;
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

/** The database behind the inventory, resolved. */
export type InventoryTarget =
  | { readonly kind: 'server'; readonly connectionString: string }
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'embedded'; readonly pglite: PGlite };

export interface ResolvedInventoryOptions {
  readonly target: InventoryTarget;
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

/**
 * Options that tune a server connection; given with `embedded` they would silently do
 * nothing (PGlite has one in-process session and does not enforce statement timeouts), so
 * they are refused instead.
 */
const SERVER_ONLY = [
  'poolSize',
  'statementTimeoutMs',
  'connectTimeoutMs',
  'migrationTimeoutMs',
  'reconnectMinMs',
  'reconnectMaxMs',
  'watchHealthCheckMs',
] as const;

function resolveTarget(options: InventoryOptions): InventoryTarget {
  const { connectionString, embedded } = options;
  if (connectionString !== undefined && embedded !== undefined) {
    throw new ConfigError(
      'embedded',
      'give either connectionString (a PostgreSQL server) or embedded (a local data folder), not both',
    );
  }
  if (embedded === undefined) {
    return { kind: 'server', connectionString: checkConnectionString(connectionString) };
  }
  for (const field of SERVER_ONLY) {
    if (options[field] !== undefined) {
      throw new ConfigError(
        field,
        'applies only to a PostgreSQL server (connectionString); leave it out with embedded',
      );
    }
  }
  const { dataDir, pglite } = embedded;
  if (pglite !== undefined) {
    if (dataDir !== undefined) {
      throw new ConfigError('embedded.dataDir', 'give either dataDir or pglite, not both');
    }
    return { kind: 'embedded', pglite };
  }
  if (typeof dataDir !== 'string' || dataDir.trim() === '') {
    throw new ConfigError(
      'embedded.dataDir',
      'is required: the folder that holds the embedded inventory (created if missing)',
    );
  }
  return { kind: 'embedded', dataDir };
}

function checkConnectionString(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(
      'connectionString',
      'is required (postgres://user@host:port/database), or give embedded: { dataDir }',
    );
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
  const target = resolveTarget(options);
  const schema = options.schema ?? 'public';
  assertSchemaName(schema);
  const reconnectMinMs = integer('reconnectMinMs', options.reconnectMinMs, 100, 1);
  const reconnectMaxMs = integer('reconnectMaxMs', options.reconnectMaxMs, 5000, 1);
  if (reconnectMaxMs < reconnectMinMs) {
    throw new ConfigError('reconnectMaxMs', `must be >= reconnectMinMs (${reconnectMinMs})`);
  }
  return {
    target,
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
