import { Kysely, PostgresDialect } from 'kysely';
import type { ColumnType, Generated } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';

/** JSON columns: read as whatever was stored, written as a JSON string or value. */
type Json = ColumnType<unknown, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DevicesTable {
  id: Generated<string>;
  name: string;
  collector_type: string;
  host: string;
  port: number | null;
  interval_ms: Generated<number>;
  timeout_ms: Generated<number>;
  enabled: Generated<boolean>;
  options: Json;
  credentials_ref: string | null;
  labels: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CredentialsTable {
  ref: string;
  secret: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

export interface SnmpProfilesTable {
  name: string;
  definition: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
}

/** The tables the migrations create, for typed Kysely queries. */
export interface InventoryDatabase {
  devices: DevicesTable;
  credentials: CredentialsTable;
  snmp_profiles: SnmpProfilesTable;
}

export interface PoolSettings {
  readonly connectionString: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
  readonly logger: Logger;
}

/** A pg.Pool behind Kysely. Destroying the Kysely instance ends the pool. */
export function openDatabase<DB = InventoryDatabase>(settings: PoolSettings): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    application_name: settings.applicationName,
    keepAlive: true,
  });
  // An idle pooled connection that dies (server restart, terminate) emits 'error' on the pool;
  // unhandled, that would crash the process. The pool replaces it on the next checkout.
  pool.on('error', (err) => {
    settings.logger.warn({ err }, 'idle inventory connection lost');
  });
  // A checked-out client whose connection dies between queries emits 'error' on the client,
  // where neither pg-pool's idle listener nor kysely listens: that crashed the poller when the
  // database went away (test/integration/inventory-outage.test.ts). The failed query still
  // rejects; this listener only keeps the event from being fatal.
  pool.on('connect', (client) => {
    client.on('error', (err) => settings.logger.debug({ err }, 'inventory connection lost'));
  });
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
