import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * Secrets referenced by `devices.credentials_ref`. Plaintext JSON for now (the operations stage
 * adds encryption).
 *
 * A change to a secret touches the devices that reference it: their `updated_at` (revision)
 * moves and the device trigger notifies them, so the reconciler treats them as changed and the
 * new password applies from the next poll.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE credentials (
      ref        text        PRIMARY KEY,
      secret     jsonb       NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TRIGGER credentials_touch_updated_at BEFORE UPDATE ON credentials
      FOR EACH ROW EXECUTE FUNCTION pollfleet_touch_updated_at()`.execute(db);

  // The devices table is named through TG_TABLE_SCHEMA, not the caller's search_path.
  await sql`
    CREATE FUNCTION pollfleet_credentials_touch_devices() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      refs text[];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        refs := ARRAY[NEW.ref];
      ELSIF TG_OP = 'DELETE' THEN
        refs := ARRAY[OLD.ref];
      ELSIF OLD.ref = NEW.ref AND OLD.secret IS NOT DISTINCT FROM NEW.secret THEN
        RETURN NULL;
      ELSE
        refs := ARRAY[OLD.ref, NEW.ref];
      END IF;
      EXECUTE format(
        'UPDATE %I.devices SET updated_at = clock_timestamp() WHERE credentials_ref = ANY($1)',
        TG_TABLE_SCHEMA
      ) USING refs;
      RETURN NULL;
    END
    $$`.execute(db);

  await sql`
    CREATE TRIGGER credentials_touch_devices AFTER INSERT OR UPDATE OR DELETE ON credentials
      FOR EACH ROW EXECUTE FUNCTION pollfleet_credentials_touch_devices()`.execute(db);
}
