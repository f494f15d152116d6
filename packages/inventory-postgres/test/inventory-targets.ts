// The two databases every inventory suite runs against: the PostgreSQL server and the embedded
// PostgreSQL (PGlite). A suite loops over inventoryTargets() and uses only what is here, so the
// same assertions hold for both.
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { InventoryOptions } from '@pollfleet/inventory-postgres';
import pg from 'pg';
import { DATABASE_URL } from './support.js';

/** Enough of pg.Client for arranging rows; on PGlite the same session the inventory uses. */
export interface AdminClient {
  query<T = Record<string, unknown>>(
    text: string,
    params?: unknown[],
  ): Promise<{ rows: T[]; rowCount: number | null }>;
  end(): Promise<void>;
}

export interface InventoryTarget {
  readonly name: 'server' | 'embedded';
  /** In `before`: opens the database (embedded: a fresh data folder). */
  setup(): Promise<void>;
  /** In `after`: closes it and removes what setup made. */
  teardown(): Promise<void>;
  /** Inventory options on `schema`; server-only options are dropped for the embedded one. */
  options(schema: string, extra?: Partial<InventoryOptions>): InventoryOptions;
  admin(): Promise<AdminClient>;
  dropSchema(schema: string): Promise<void>;
}

/** int8 as a string, as pg.Client returns it (and as the inventory's dialect does). */
const INT8_AS_STRING = { 20: (value: string): string => value };

const SERVER_ONLY = [
  'poolSize',
  'statementTimeoutMs',
  'connectTimeoutMs',
  'migrationTimeoutMs',
  'reconnectMinMs',
  'reconnectMaxMs',
  'watchHealthCheckMs',
] as const;

class ServerTarget implements InventoryTarget {
  readonly name = 'server';
  setup(): Promise<void> {
    return Promise.resolve();
  }
  teardown(): Promise<void> {
    return Promise.resolve();
  }
  options(schema: string, extra: Partial<InventoryOptions> = {}): InventoryOptions {
    return { ...extra, connectionString: DATABASE_URL, schema };
  }
  async admin(): Promise<AdminClient> {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    return client;
  }
  async dropSchema(schema: string): Promise<void> {
    const client = await this.admin();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

class EmbeddedTarget implements InventoryTarget {
  readonly name = 'embedded';
  #dir: string | undefined;
  #pglite: PGlite | undefined;

  async setup(): Promise<void> {
    this.#dir = mkdtempSync(join(tmpdir(), 'pf-inv-embedded-'));
    cpSync(await embeddedTemplate(), join(this.#dir, 'postgres'), { recursive: true });
    this.#pglite = await PGlite.create(join(this.#dir, 'postgres'));
  }

  async teardown(): Promise<void> {
    await this.#pglite?.close();
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
  }

  /** The PGlite the suite's inventories share (borrowed: they never close it). */
  get pglite(): PGlite {
    if (this.#pglite === undefined) throw new Error('EmbeddedTarget.setup() has not run');
    return this.#pglite;
  }

  options(schema: string, extra: Partial<InventoryOptions> = {}): InventoryOptions {
    const o: Partial<InventoryOptions> = { ...extra };
    for (const field of SERVER_ONLY) delete o[field];
    return { ...o, embedded: { pglite: this.pglite }, schema };
  }

  admin(): Promise<AdminClient> {
    const pglite = this.pglite;
    return Promise.resolve({
      async query<T>(text: string, params?: unknown[]) {
        if (params === undefined) {
          // Simple protocol, like pg.Client without parameters: several statements allowed.
          const results = await pglite.exec(text, { parsers: INT8_AS_STRING });
          const last = results[results.length - 1];
          return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows ?? null };
        }
        const r = await pglite.query<T>(text, params, { parsers: INT8_AS_STRING });
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      },
      end: () => Promise.resolve(),
    });
  }

  async dropSchema(schema: string): Promise<void> {
    if (this.#pglite === undefined || this.#pglite.closed) return;
    await this.#pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
}

/** A fresh target of each kind; a suite calls this once per describe. */
export function inventoryTargets(): InventoryTarget[] {
  return [new ServerTarget(), new EmbeddedTarget()];
}

let template: Promise<string> | undefined;

/**
 * An initialised, empty PGlite data folder to copy: initdb is the slow part of a first open
 * (tens of seconds on a loaded 2-core machine), so it runs once per machine, not per suite.
 * Built aside and renamed into place, so parallel test files never see a half-made one.
 */
export function embeddedTemplate(): Promise<string> {
  template ??= (async () => {
    // Keyed by the installed PGlite version: a new one may not read an old one's folder.
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    const version = pkg.version;
    const dir = join(tmpdir(), `pollfleet-test-pglite-${version}`);
    if (existsSync(join(dir, 'PG_VERSION'))) return dir;
    const building = mkdtempSync(join(tmpdir(), 'pollfleet-test-pglite-building-'));
    const db = await PGlite.create(join(building, 'postgres'));
    await db.close();
    try {
      renameSync(join(building, 'postgres'), dir);
    } catch {
      // Another test file won the race: use its folder.
    }
    rmSync(building, { recursive: true, force: true });
    return dir;
  })();
  return template;
}
