import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InventoryWatchError, PostgresInventory } from '@pollfleet/inventory-postgres';
import type { PostgresInventoryWatch } from '@pollfleet/inventory-postgres';
import { inventoryTargets } from './inventory-targets.js';
import type { AdminClient } from './inventory-targets.js';
import { WatchRecorder, randomSchema } from './support.js';

for (const target of inventoryTargets())
  describe(`PostgresInventory.watch (${target.name})`, () => {
    const schema = randomSchema();
    const otherSchema = randomSchema();
    let inventory: PostgresInventory;
    let other: PostgresInventory;
    const rec = new WatchRecorder();
    let watch: PostgresInventoryWatch;
    let admin: AdminClient;

    const insert = async (name: string, extra = ''): Promise<string> => {
      const r = await admin.query<{ id: string }>(
        `INSERT INTO devices (name, collector_type, host${extra ? ', credentials_ref' : ''})
       VALUES ($1, 'snmp', '127.0.0.1'${extra ? ', $2' : ''}) RETURNING id`,
        extra ? [name, extra] : [name],
      );
      return r.rows[0]!.id;
    };

    before(async () => {
      await target.setup();
      inventory = new PostgresInventory(
        target.options(schema, {
          reconnectMinMs: 50,
          reconnectMaxMs: 200,
          // Runs the liveness query often, so it is exercised alongside the notifications.
          watchHealthCheckMs: 100,
        }),
      );
      other = new PostgresInventory(target.options(otherSchema));
      await Promise.all([inventory.migrate(), other.migrate()]);
      admin = await target.admin();
      await admin.query(`SET search_path TO "${schema}"`);
      watch = await inventory.watch(rec.onChange, rec.onError);
    });

    after(async () => {
      await admin?.end();
      await Promise.all([inventory?.close(), other?.close()]);
      await target.dropSchema(schema);
      await target.dropSchema(otherSchema);
      await target.teardown();
    });

    it('reports an INSERT with the new id', async () => {
      const from = rec.changes.length;
      const id = await insert('w-insert');
      await rec.untilIds([id], from);
    });

    it('reports UPDATE, disable and DELETE', async () => {
      const id = await insert('w-lifecycle');
      for (const stmt of [
        `UPDATE devices SET host = '127.0.0.2' WHERE id = $1`,
        `UPDATE devices SET enabled = false WHERE id = $1`,
        `DELETE FROM devices WHERE id = $1`,
      ]) {
        const from = rec.changes.length;
        await admin.query(stmt, [id]);
        await rec.untilIds([id], from);
      }
    });

    it('collects a burst into one callback', async () => {
      const from = rec.changes.length;
      const r = await admin.query<{ id: string }>(
        `INSERT INTO devices (name, collector_type, host)
       SELECT 'burst-' || g, 'snmp', '127.0.0.1' FROM generate_series(1, 20) g RETURNING id`,
      );
      const ids = r.rows.map((row) => row.id);
      await rec.untilIds(ids, from);
      assert.equal(rec.changes.length - from, 1, JSON.stringify(rec.changes.slice(from)));
    });

    it('reports the devices that reference a changed credential', async () => {
      const start = rec.changes.length;
      const a = await insert('w-cred-a', 'shared');
      const b = await insert('w-cred-b', 'shared');
      const unrelated = await insert('w-cred-c', 'other');
      // Let the inserts' own reports land, so later ones can only come from the secrets.
      await rec.untilIds([a, b, unrelated], start);
      const setup = rec.changes.length;
      await admin.query(
        `INSERT INTO credentials (ref, secret) VALUES ('shared', '{"community":"a"}')`,
      );
      await admin.query(
        `INSERT INTO credentials (ref, secret) VALUES ('other', '{"community":"x"}')`,
      );
      // Creating a secret already touches its devices; let those reports land first.
      await rec.untilIds([a, b, unrelated], setup);
      const [beforeA] = await inventory.getDevices([a]);
      const from = rec.changes.length;
      await admin.query(`UPDATE credentials SET secret = '{"community":"b"}' WHERE ref = 'shared'`);
      await rec.untilIds([a, b], from);
      assert.ok(!rec.idsSince(from).has(unrelated));
      // The revision moves too, so a reconciler comparing revisions re-reads the secret.
      const [afterA] = await inventory.getDevices([a]);
      assert.ok(afterA!.revision > beforeA!.revision);
    });

    it('reports the SNMP devices naming a profile that is created, changed or deleted', async () => {
      const start = rec.changes.length;
      const r = await admin.query<{ id: string }>(
        `INSERT INTO devices (name, collector_type, host, options) VALUES
         ('w-prof-a', 'snmp', '127.0.0.1', '{"profile":"p1"}'),
         ('w-prof-b', 'snmp', '127.0.0.1', '{"profile":"p2"}'),
         ('w-prof-c', 'routeros', '127.0.0.1', '{"profile":"p1"}'),
         ('w-prof-d', 'snmp', '127.0.0.1', '{"profile":{"scalars":[]}}')
       RETURNING id`,
      );
      const [a, b, c, d] = r.rows.map((row) => row.id);
      await rec.untilIds([a!, b!, c!, d!], start);
      const [before] = await inventory.getDevices([a!]);
      for (const stmt of [
        `INSERT INTO snmp_profiles (name, definition) VALUES ('p1', '{"scalars":[]}')`,
        `UPDATE snmp_profiles SET definition = '{"tables":[]}' WHERE name = 'p1'`,
        `DELETE FROM snmp_profiles WHERE name = 'p1'`,
      ]) {
        const from = rec.changes.length;
        await admin.query(stmt);
        await rec.untilIds([a!], from);
        // Only the SNMP row naming p1: our insert after it is a barrier (commit order).
        const barrier = await insert(`w-prof-barrier-${from}`);
        await rec.untilIds([barrier], from);
        assert.deepEqual([...rec.idsSince(from)].sort(), [a!, barrier].sort(), stmt);
      }
      const [after] = await inventory.getDevices([a!]);
      assert.ok(after!.revision > before!.revision, 'the revision moves, so the row is checked');
    });

    it('ignores changes in another schema on the same server', async () => {
      const otherAdmin = await target.admin();
      try {
        await otherAdmin.query(
          `INSERT INTO "${otherSchema}".devices (name, collector_type, host) VALUES ('elsewhere', 'snmp', 'h')`,
        );
      } finally {
        await otherAdmin.end();
      }
      // Our own insert after it is a barrier: notifications arrive in commit order.
      const from = rec.changes.length;
      const mine = await insert('w-mine');
      await rec.untilIds([mine], from);
      assert.deepEqual([...rec.idsSince(from)], [mine]);
    });

    it('reports TRUNCATE as all', async () => {
      const from = rec.changes.length;
      await admin.query(`TRUNCATE credentials, devices`);
      await rec.until('all after truncate', () => rec.changes.slice(from).includes('all'));
    });

    it(
      'survives losing its connection: onError, then all after reconnecting, then ids again (server only)',
      { skip: target.name !== 'server' },
      async () => {
        const pid = watch.backendPid;
        assert.ok(pid !== undefined);
        const errorsBefore = rec.errors.length;
        const from = rec.changes.length;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await rec.until('onError', () => rec.errors.length > errorsBefore, 2000);
        assert.ok(rec.errors[errorsBefore] instanceof InventoryWatchError);
        await rec.until('all after reconnect', () => rec.changes.slice(from).includes('all'), 5000);
        assert.notEqual(watch.backendPid, pid);
        const after = rec.changes.length;
        const id = await insert('w-after-reconnect');
        await rec.untilIds([id], after);
      },
    );

    it('stops reporting after close', async () => {
      const second = new WatchRecorder();
      const w = await inventory.watch(second.onChange, second.onError);
      const from = rec.changes.length;
      await w.close();
      assert.equal(w.backendPid, undefined);
      const id = await insert('w-after-close');
      await rec.untilIds([id], from); // the first watch still sees it...
      assert.deepEqual(second.changes, []); // ...the closed one does not
    });
  });
