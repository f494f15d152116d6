import { Kysely } from 'kysely';
import type { ChangeChannel } from './change-channel.js';
import { openDatabase } from './database.js';
import type { InventoryDatabase } from './database.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import type { ResolvedInventoryOptions } from './options.js';
import { PgChangeChannel } from './pg-change-channel.js';
import { PGliteChangeChannel } from './pglite-change-channel.js';
import { PGliteDialect } from './pglite-dialect.js';

/**
 * The seam between the inventory and its database. Everything above it (migrations, queries,
 * the watch's debounce and schema filter) is the same for a server and for the embedded
 * PostgreSQL; only these differ.
 */
export interface InventoryDriver {
  readonly mode: 'server' | 'embedded';
  /** Absolute data folder of an embedded inventory that owns it; else undefined. */
  readonly dataDir: string | undefined;
  /** Kysely for queries: a pg pool, or the embedded session. */
  readonly db: Kysely<InventoryDatabase>;
  /** Where `watch()` LISTENs. */
  readonly changes: ChangeChannel;
  /**
   * Runs `fn` on a Kysely fit for migrating: on a server a short-lived pool whose statement
   * timeout covers waiting for another pod's migration lock; embedded, the same session.
   */
  withMigrationDb<T>(fn: (db: Kysely<unknown>) => Promise<T>): Promise<T>;
  /** Ends the pool or closes the embedded database (releasing its folder). */
  close(): Promise<void>;
}

export function openInventoryDriver(o: ResolvedInventoryOptions): InventoryDriver {
  return o.target.kind === 'server'
    ? new ServerDriver(o, o.target.connectionString)
    : new EmbeddedDriver(o, o.target);
}

class ServerDriver implements InventoryDriver {
  readonly mode = 'server';
  readonly dataDir = undefined;
  readonly db: Kysely<InventoryDatabase>;
  readonly changes: ChangeChannel;
  readonly #o: ResolvedInventoryOptions;
  readonly #url: string;

  constructor(o: ResolvedInventoryOptions, url: string) {
    this.#o = o;
    this.#url = url;
    this.db = openDatabase<InventoryDatabase>({
      connectionString: url,
      poolSize: o.poolSize,
      statementTimeoutMs: o.statementTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      applicationName: 'pollfleet-inventory',
      logger: o.logger,
    });
    this.changes = new PgChangeChannel({
      connectionString: url,
      connectTimeoutMs: o.connectTimeoutMs,
      healthCheckMs: o.watchHealthCheckMs,
    });
  }

  async withMigrationDb<T>(fn: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    const db = openDatabase<unknown>({
      connectionString: this.#url,
      poolSize: 2,
      statementTimeoutMs: this.#o.migrationTimeoutMs,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      applicationName: 'pollfleet-inventory-migrate',
      logger: this.#o.logger,
    });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

class EmbeddedDriver implements InventoryDriver {
  readonly mode = 'embedded';
  readonly dataDir: string | undefined;
  readonly db: Kysely<InventoryDatabase>;
  readonly changes: ChangeChannel;
  readonly #embedded: EmbeddedPostgres;

  constructor(
    o: ResolvedInventoryOptions,
    source: ConstructorParameters<typeof EmbeddedPostgres>[0],
  ) {
    const embedded = new EmbeddedPostgres(source, o.logger);
    this.dataDir = embedded.dataDir;
    const open = () => embedded.open();
    this.db = new Kysely<InventoryDatabase>({
      dialect: new PGliteDialect(open, () => embedded.close()),
    });
    this.changes = new PGliteChangeChannel(open);
    this.#embedded = embedded;
  }

  async withMigrationDb<T>(fn: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    // Opened first, so a locked or damaged folder is reported as itself, not as a migration.
    await this.#embedded.open();
    return fn(this.db as unknown as Kysely<unknown>);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    // Kysely destroys its driver only if a query ran; a watch alone also opened the folder.
    await this.#embedded.close();
  }
}
