import type { DeviceRow, Inventory, InventoryChange, InventoryWatch } from '@pollfleet/core';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { PostgresCredentialResolver } from './credential-resolver.js';
import { openDatabase } from './database.js';
import type { InventoryDatabase } from './database.js';
import { DeviceChangeListener } from './device-change-listener.js';
import { toDeviceRow } from './device-row.js';
import { InventoryClosedError } from './errors.js';
import type { DeviceRecord } from './device-row.js';
import { migrate } from './migrate.js';
import { resolveInventoryOptions } from './options.js';
import type { InventoryOptions, ResolvedInventoryOptions } from './options.js';
import { PostgresSnmpProfileSource } from './snmp-profile-source.js';

/** What `watch()` returns: closable, with the LISTEN backend's pid for diagnostics. */
export interface PostgresInventoryWatch extends InventoryWatch {
  /** pid of the current LISTEN backend; undefined while reconnecting or after close. */
  readonly backendPid: number | undefined;
}

const MAX_BIGINT = 9223372036854775807n;

/** bigint ids only: anything else cannot match and would make the cast fail. */
function isDeviceId(id: string): boolean {
  return /^[0-9]{1,19}$/.test(id) && BigInt(id) <= MAX_BIGINT;
}

/**
 * The device inventory on PostgreSQL: one query pool shared with {@link credentials} and
 * {@link snmpProfiles}, plus one dedicated LISTEN connection per `watch()`.
 */
export class PostgresInventory implements Inventory {
  readonly options: ResolvedInventoryOptions;
  /** Typed Kysely over the pool (not schema-bound; use `.withSchema(options.schema)`). */
  readonly db: Kysely<InventoryDatabase>;
  readonly credentials: PostgresCredentialResolver;
  readonly snmpProfiles: PostgresSnmpProfileSource;
  readonly #tables: Kysely<InventoryDatabase>;
  readonly #watches = new Set<DeviceChangeListener>();
  #closed = false;

  /** Opens no connection yet; throws a ConfigError naming a bad option. */
  constructor(options: InventoryOptions) {
    this.options = resolveInventoryOptions(options);
    const o = this.options;
    this.db = openDatabase<InventoryDatabase>({
      connectionString: o.connectionString,
      poolSize: o.poolSize,
      statementTimeoutMs: o.statementTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      applicationName: 'pollfleet-inventory',
      logger: o.logger,
    });
    this.#tables = this.db.withSchema(o.schema);
    this.credentials = new PostgresCredentialResolver(this.db, o.schema);
    this.snmpProfiles = new PostgresSnmpProfileSource(this.db, o.schema);
  }

  /** Applies pending migrations to this inventory's schema; returns the names applied. */
  async migrate(): Promise<string[]> {
    return migrate(this.options);
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
        connectionString: o.connectionString,
        schema: o.schema,
        connectTimeoutMs: o.connectTimeoutMs,
        debounceMs: o.watchDebounceMs,
        reconnectMinMs: o.reconnectMinMs,
        reconnectMaxMs: o.reconnectMaxMs,
        healthCheckMs: o.watchHealthCheckMs,
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

  /** Closes every watch and ends the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const watches = [...this.#watches];
    this.#watches.clear();
    await Promise.all(watches.map((w) => w.close()));
    await this.db.destroy();
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
