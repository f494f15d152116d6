// PostgresInventory and its credential resolver against the Inventory contract (the memory
// inventory passes the same suite in packages/testing/test/memory-contracts.test.ts). Each
// test gets a fresh, migrated schema; rows are written with SQL, as an operator writes them.
import type { InventoryRowInput } from '@pollfleet/testing/contracts';
import { inventoryContract } from '@pollfleet/testing/contracts';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import { DATABASE_URL, adminClient, dropSchema, randomSchema } from './support.js';

const COLUMNS: Record<keyof InventoryRowInput, string> = {
  name: 'name',
  collectorType: 'collector_type',
  host: 'host',
  port: 'port',
  intervalMs: 'interval_ms',
  timeoutMs: 'timeout_ms',
  enabled: 'enabled',
  options: 'options',
  credentialsRef: 'credentials_ref',
  labels: 'labels',
};
const JSON_COLUMNS = new Set(['options', 'labels']);

/** Column names and values of `row`, JSON columns encoded and cast. */
function assignments(row: Partial<InventoryRowInput>): { columns: string[]; values: unknown[] } {
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const [field, value] of Object.entries(row)) {
    const column = COLUMNS[field as keyof InventoryRowInput];
    columns.push(column);
    values.push(JSON_COLUMNS.has(column) ? JSON.stringify(value) : value);
  }
  return { columns, values };
}

inventoryContract('PostgresInventory', async () => {
  const schema = randomSchema();
  const inventory = new PostgresInventory({
    connectionString: DATABASE_URL,
    schema,
    watchDebounceMs: 10,
  });
  await inventory.migrate();
  const admin = await adminClient();
  await admin.query(`SET search_path TO "${schema}"`);
  return {
    inventory,
    credentials: inventory.credentials,
    insert: async (row) => {
      const { columns, values } = assignments(row);
      const r = await admin.query<{ id: string }>(
        `INSERT INTO devices (${columns.join(', ')}) VALUES (${columns
          .map((c, i) => (JSON_COLUMNS.has(c) ? `$${i + 1}::jsonb` : `$${i + 1}`))
          .join(', ')}) RETURNING id::text`,
        values,
      );
      return r.rows[0]!.id;
    },
    update: async (id, patch) => {
      const { columns, values } = assignments(patch);
      const set = columns.map((c, i) => `${c} = $${i + 2}${JSON_COLUMNS.has(c) ? '::jsonb' : ''}`);
      await admin.query(`UPDATE devices SET ${set.join(', ')} WHERE id = $1`, [id, ...values]);
    },
    remove: async (id) => {
      await admin.query('DELETE FROM devices WHERE id = $1', [id]);
    },
    putSecret: async (ref, secret) => {
      await admin.query('INSERT INTO credentials (ref, secret) VALUES ($1, $2::jsonb)', [
        ref,
        JSON.stringify(secret),
      ]);
    },
    cleanup: async () => {
      await inventory.close();
      await admin.end();
      await dropSchema(schema);
    },
  };
});
