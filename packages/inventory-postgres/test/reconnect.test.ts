import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import pg from 'pg';
import { testAdminDatabaseUrl, testDatabaseUrlFor } from '@pollfleet/testing/services';
import { WatchRecorder } from './support.js';

// Its own database, so the test can make the server refuse the watch for a while (by dropping
// the database) without disturbing other test files.
describe('PostgresInventory.watch while the database is unavailable', () => {
  const database = `pf_inv_${randomBytes(6).toString('hex')}`;
  const url = testDatabaseUrlFor(database);
  let server: pg.Client;

  const createDatabase = async (): Promise<void> => {
    await server.query(`CREATE DATABASE "${database}"`);
  };

  before(async () => {
    server = new pg.Client({ connectionString: testAdminDatabaseUrl() });
    await server.connect();
    await createDatabase();
  });

  after(async () => {
    await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await server.end();
  });

  it('keeps retrying with backoff, reporting each failure, then reports all once back', async () => {
    const inventory = new PostgresInventory({
      connectionString: url,
      reconnectMinMs: 20,
      reconnectMaxMs: 80,
      watchHealthCheckMs: 100,
    });
    try {
      await inventory.migrate();
      const rec = new WatchRecorder();
      await inventory.watch(rec.onChange, rec.onError);

      await server.query(`DROP DATABASE "${database}" WITH (FORCE)`);
      // The loss, then at least two failed reconnects (the database does not exist).
      await rec.until('three errors', () => rec.errors.length >= 3, 5000);
      assert.ok(!rec.changes.includes('all'), 'no all while still disconnected');
      assert.ok(rec.errors.every((e) => (e as { code?: string }).code === 'INVENTORY_WATCH_LOST'));

      await createDatabase();
      await rec.until('all after the database is back', () => rec.changes.includes('all'), 5000);

      await inventory.migrate();
      const from = rec.changes.length;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const r = await admin.query<{ id: string }>(
          `INSERT INTO devices (name, collector_type, host) VALUES ('back', 'snmp', 'h') RETURNING id`,
        );
        await rec.untilIds([r.rows[0]!.id], from);
      } finally {
        await admin.end();
      }
    } finally {
      await inventory.close();
    }
  });

  it('rejects watch() when the first connection fails', async () => {
    const inventory = new PostgresInventory({
      connectionString: testDatabaseUrlFor('pf_inv_does_not_exist'),
    });
    try {
      await assert.rejects(
        inventory.watch(
          () => undefined,
          () => undefined,
        ),
        (err: unknown) => (err as { code?: string }).code === 'INVENTORY_WATCH_LOST',
      );
    } finally {
      await inventory.close();
    }
  });
});
