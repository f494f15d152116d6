import type { DeviceRow, Inventory, InventoryChange, InventoryWatch } from '@pollfleet/core';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { PostgresCredentialResolver } from './credential-resolver.js';
import type { InventoryDatabase } from './database.js';
import { DeviceChangeListener } from './device-change-listener.js';
import { toDeviceRow } from './device-row.js';
import { InventoryClosedError } from './errors.js';
import type { DeviceRecord } from './device-row.js';
import { openInventoryDriver } from './inventory-driver.js';
import type { InventoryDriver } from './inventory-driver.js';
import { migrateDb } from './migrate.js';
import { resolveInventoryOptions } from './options.js';
import type { InventoryOptions, ResolvedInventoryOptions } from './options.js';
import { PostgresSnmpProfileSource } from './snmp-profile-source.js';

/** What `watch()` returns: closable, with the LISTEN backend's pid for diagnostics. */
export interface PostgresInventoryWatch extends InventoryWatch {
  /** pid of the current LISTEN backend on a server; undefined while reconnecting, after close, and embedded. */
  readonly backendPid: number | undefined;
}

const MAX_BIGINT = 9223372036854775807n;

/** bigint ids only: anything else cannot match and would make the cast fail. */
function isDeviceId(id: string): boolean {
  return /^[0-9]{1,19}$/.test(id) && BigInt(id) <= MAX_BIGINT;
}

/**
 * The device inventory on PostgreSQL: a server (one query pool shared with
 * {@link credentials} and {@link snmpProfiles}, plus one dedicated LISTEN connection per
 * `watch()`) or the embedded PostgreSQL in a local data folder (one in-process session), with
 * the same migrations, queries and notifications.
 */
export class PostgresInventory implements Inventory {
  readonly options: ResolvedInventoryOptions;
  /** Typed Kysely over the pool or the embedded session (use `.withSchema(options.schema)`). */
  readonly db: Kysely<InventoryDatabase>;
  readonly credentials: PostgresCredentialResolver;
  readonly snmpProfiles: PostgresSnmpProfileSource;
  readonly #driver: InventoryDriver;
  readonly #tables: Kysely<InventoryDatabase>;
  readonly #watches = new Set<DeviceChangeListener>();
  #closed = false;

  /**
   * Opens nothing yet (the first query connects, or opens the data folder); throws a
   * ConfigError naming a bad option.
   */
  constructor(options: InventoryOptions) {
    this.options = resolveInventoryOptions(options);
    const o = this.options;
    this.#driver = openInventoryDriver(o);
    this.db = this.#driver.db;
    this.#tables = this.db.withSchema(o.schema);
    this.credentials = new PostgresCredentialResolver(this.db, o.schema);
    this.snmpProfiles = new PostgresSnmpProfileSource(this.db, o.schema);
  }

  /** `'server'` or `'embedded'`, for the start-up banner and status. */
  get mode(): 'server' | 'embedded' {
    return this.#driver.mode;
  }

  /** The embedded inventory's absolute data folder; undefined on a server or a borrowed PGlite. */
  get dataDir(): string | undefined {
    return this.#driver.dataDir;
  }

  /**
   * Applies pending migrations to this inventory's schema; returns the names applied. The first
   * call on an embedded inventory opens (or creates) its data folder, so a locked or damaged
   * folder is reported here.
   */
  async migrate(): Promise<string[]> {
    if (this.#closed) throw new InventoryClosedError();
    const { schema, logger } = this.options;
    return this.#driver.withMigrationDb((db) => migrateDb(db, schema, logger));
  }

  async listEnabled(): Promise<DeviceRow[]> {
    const rows = await this.#selectDevices().where('enabled', '=', true).execute();
    return rows.map((r) => toDeviceRow(r as DeviceRecord));
  }

  async getDevices(ids: readonly string[]): Promise<DeviceRow[]> {
    const wanted = [...new Set(ids)].filter(isDeviceId);
    if (wanted.length === 0) return [];
    const rows = await this.#selectDevices()
      .where(sql<boolean>`id = any(${wanted}::bigint[])`)
      .execute();
    return rows.map((r) => toDeviceRow(r as DeviceRecord));
  }

  /**
   * Starts a LISTEN connection; rejects if it cannot connect at all. After that it never
   * rejects: failures go to `onError` and it reconnects, reporting `'all'` once back.
   */
  async watch(
    onChange: (change: InventoryChange) => void,
    onError: (err: Error) => void,
  ): Promise<PostgresInventoryWatch> {
    if (this.#closed) throw new InventoryClosedError();
    const o = this.options;
    const listener = new DeviceChangeListener(
      {
        channel: this.#driver.changes,
        schema: o.schema,
        debounceMs: o.watchDebounceMs,
        reconnectMinMs: o.reconnectMinMs,
        reconnectMaxMs: o.reconnectMaxMs,
        logger: o.logger.child({ component: 'inventory-watch' }),
      },
      onChange,
      onError,
    );
    await listener.start();
    if (this.#closed) {
      // close() ran while this watch was connecting: it must not outlive the inventory.
      await listener.close();
      throw new InventoryClosedError();
    }
    this.#watches.add(listener);
    listener.onClosed = () => this.#watches.delete(listener);
    return listener;
  }

  /**
   * Closes every watch and ends the pool, or closes the embedded database and releases its
   * data folder. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const watches = [...this.#watches];
    this.#watches.clear();
    await Promise.all(watches.map((w) => w.close()));
    await this.#driver.close();
  }

  #selectDevices() {
    return this.#tables
      .selectFrom('devices')
      .select([
        'id',
        'name',
        'collector_type',
        'host',
        'port',
        'interval_ms',
        'timeout_ms',
        'enabled',
        'options',
        'credentials_ref',
        'labels',
        // updated_at in whole ms; the trigger moves it by >= 1 ms on every update.
        sql<number>`floor(extract(epoch from updated_at) * 1000)::float8`.as('revision'),
      ])
      .orderBy('id');
  }
}
