import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * A change to an SNMP profile touches the SNMP devices naming it (`options.profile`): their
 * `updated_at` (revision) moves and the device trigger notifies them, so the reconciler checks
 * them again at once. A row naming a profile that did not exist becomes valid when the profile
 * is added, a row naming a deleted one is reported invalid, and an edited definition is read
 * again. Same pattern as credentials (0002).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The devices table is named through TG_TABLE_SCHEMA, not the caller's search_path.
  await sql`
    CREATE FUNCTION pollfleet_snmp_profiles_touch_devices() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      names text[];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        names := ARRAY[NEW.name];
      ELSIF TG_OP = 'DELETE' THEN
        names := ARRAY[OLD.name];
      ELSIF OLD.name = NEW.name AND OLD.definition IS NOT DISTINCT FROM NEW.definition THEN
        RETURN NULL;
      ELSE
        names := ARRAY[OLD.name, NEW.name];
      END IF;
      EXECUTE format(
        'UPDATE %I.devices SET updated_at = clock_timestamp()
          WHERE collector_type = ''snmp'' AND options->>''profile'' = ANY($1)',
        TG_TABLE_SCHEMA
      ) USING names;
      RETURN NULL;
    END
    $$`.execute(db);

  await sql`
    CREATE TRIGGER snmp_profiles_touch_devices AFTER INSERT OR UPDATE OR DELETE ON snmp_profiles
      FOR EACH ROW EXECUTE FUNCTION pollfleet_snmp_profiles_touch_devices()`.execute(db);
}
