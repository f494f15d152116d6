import { sql } from 'kysely';
import type {
  DatabaseIntrospector,
  DatabaseMetadata,
  Kysely,
  SchemaMetadata,
  TableMetadata,
} from 'kysely';

/**
 * What Kysely's Migrator needs to know (does the schema exist, do its tables exist), asked
 * about one schema only.
 *
 * Kysely's own PostgreSQL introspector reads every table in the database and calls
 * pg_get_serial_sequence() on each; a schema dropped by someone else at that moment makes the
 * whole migration fail with `schema "..." does not exist`. Tests (and any shared server) drop
 * schemas all the time, so the migrator gets this narrow, race-free view instead.
 */
export class SchemaScopedIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schema: string;

  constructor(db: Kysely<unknown>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname = ${this.#schema}
    `.execute(this.#db);
    return rows.map((r) => ({ name: r.name }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      SELECT c.relname AS name, c.relkind AS kind
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${this.#schema} AND c.relkind IN ('r', 'p', 'v', 'm')
    `.execute(this.#db);
    return rows.map((r) => ({
      name: r.name,
      schema: this.#schema,
      isView: r.kind === 'v' || r.kind === 'm',
      columns: [],
    }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/**
 * The same Kysely instance, except that `introspection` is scoped to `schema`. A proxy rather
 * than a new instance, so it also works on a Kysely the caller built (e.g. on PGlite).
 */
export function withSchemaScopedIntrospection<DB>(db: Kysely<DB>, schema: string): Kysely<DB> {
  const introspector = new SchemaScopedIntrospector(db as unknown as Kysely<unknown>, schema);
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspector;
      const value: unknown = Reflect.get(target, prop, target);
      // Kysely keeps its state in #private fields: methods must run with the real instance.
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
