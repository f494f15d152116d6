import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_devices.js';
import * as m0002 from './0002_credentials.js';
import * as m0003 from './0003_snmp_profiles.js';
import * as m0004 from './0004_snmp_profiles_touch_devices.js';

type Up = (db: Kysely<unknown>) => Promise<void>;

/** In order; names are stable forever once released (they are the rows in kysely_migration). */
const MIGRATIONS: ReadonlyArray<readonly [string, Up]> = [
  ['0001_devices', m0001.up],
  ['0002_credentials', m0002.up],
  ['0003_snmp_profiles', m0003.up],
  ['0004_snmp_profiles_touch_devices', m0004.up],
];

/** The migration names this version knows, in order. */
export const INVENTORY_MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

/**
 * Migrations compiled into the package (no directory scan, so bundling and PGlite work).
 * Each runs inside the migrator's transaction with `search_path` set locally to `schema`, so
 * the migration SQL stays unqualified.
 */
export class InventoryMigrationProvider implements MigrationProvider {
  readonly #schema: string;

  constructor(schema: string) {
    this.#schema = schema;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    const schema = this.#schema;
    const out: Record<string, Migration> = {};
    for (const [name, up] of MIGRATIONS) {
      out[name] = {
        async up(db: Kysely<unknown>): Promise<void> {
          await sql`SELECT set_config('search_path', ${`"${schema}"`}, true)`.execute(db);
          await up(db);
        },
      };
    }
    return Promise.resolve(out);
  }
}
