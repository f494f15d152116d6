import type { Kysely } from 'kysely';
import type { InventoryDatabase } from './database.js';
import { assertSchemaName } from './options.js';

/**
 * User-defined SNMP OID profiles by name; the SNMP collector validates the definition.
 * Shares the caller's Kysely pool and never closes it.
 */
export class PostgresSnmpProfileSource {
  readonly #db: Kysely<InventoryDatabase>;

  constructor(db: Kysely<InventoryDatabase>, schema = 'public') {
    assertSchemaName(schema);
    this.#db = db.withSchema(schema);
  }

  /** The stored definition JSON, or undefined when no profile has that name. */
  async get(name: string): Promise<unknown> {
    const row = await this.#db
      .selectFrom('snmp_profiles')
      .select('definition')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.definition;
  }
}
