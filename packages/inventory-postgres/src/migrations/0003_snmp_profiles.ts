import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/** User-defined SNMP OID profiles, read by the SNMP collector by name. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE snmp_profiles (
      name       text        PRIMARY KEY,
      definition jsonb       NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TRIGGER snmp_profiles_touch_updated_at BEFORE UPDATE ON snmp_profiles
      FOR EACH ROW EXECUTE FUNCTION pollfleet_touch_updated_at()`.execute(db);
}
