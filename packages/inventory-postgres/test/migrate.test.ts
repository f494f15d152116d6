import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INVENTORY_MIGRATION_NAMES, migrate } from '@pollfleet/inventory-postgres';
import { inventoryTargets } from './inventory-targets.js';
import { randomSchema } from './support.js';

for (const target of inventoryTargets())
  describe(`migrate (${target.name})`, () => {
    const schemas: string[] = [];
    const fresh = (): string => {
      const s = randomSchema();
      schemas.push(s);
      return s;
    };
    const adminClient = () => target.admin();
    before(() => target.setup());
    after(async () => {
      for (const s of schemas) await target.dropSchema(s);
      await target.teardown();
    });

    it('creates the schema on a fresh database and is a no-op when re-run', async () => {
      const schema = fresh();
      const applied = await migrate(target.options(schema));
      assert.deepEqual(applied, [...INVENTORY_MIGRATION_NAMES]);
      assert.deepEqual(applied.slice(0, 3), [
        '0001_devices',
        '0002_credentials',
        '0003_snmp_profiles',
      ]);
      assert.deepEqual(await migrate(target.options(schema)), []);

      const admin = await adminClient();
      try {
        const tables = await admin.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
          [schema],
        );
        assert.deepEqual(
          tables.rows.map((r) => r.table_name),
          ['credentials', 'devices', 'kysely_migration', 'kysely_migration_lock', 'snmp_profiles'],
        );
        // Nothing leaked into public.
        const inPublic = await admin.query(
          `SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'devices'`,
        );
        assert.equal(inPublic.rowCount, 0);
      } finally {
        await admin.end();
      }
    });

    it('lets two pods migrate a fresh schema at once: both succeed, each migration applied once', async () => {
      const schema = fresh();
      const [a, b] = await Promise.all([
        migrate(target.options(schema)),
        migrate(target.options(schema)),
      ]);
      // One of them applied everything, the other found the schema current.
      assert.deepEqual([...a, ...b].sort(), [...INVENTORY_MIGRATION_NAMES].sort());
      const admin = await adminClient();
      try {
        const rows = await admin.query<{ name: string }>(
          `SELECT name FROM "${schema}".kysely_migration ORDER BY name`,
        );
        assert.deepEqual(
          rows.rows.map((r) => r.name),
          [...INVENTORY_MIGRATION_NAMES],
        );
      } finally {
        await admin.end();
      }
    });

    it('accepts a plain INSERT with defaults and no constraints on host, port or interval', async () => {
      const schema = fresh();
      await migrate(target.options(schema));
      const admin = await adminClient();
      try {
        await admin.query(`SET search_path TO "${schema}"`);
        const ins = await admin.query<Record<string, unknown>>(
          `INSERT INTO devices (name, collector_type, host) VALUES ('r1', 'snmp', '10.0.0.1') RETURNING *`,
        );
        const row = ins.rows[0]!;
        assert.equal(row.port, null);
        assert.equal(row.interval_ms, 60000);
        assert.equal(row.timeout_ms, 10000);
        assert.equal(row.enabled, true);
        assert.deepEqual(row.options, {});
        assert.deepEqual(row.labels, {});
        assert.equal(row.credentials_ref, null);
        // The poller, not the database, rejects these (with a reason in the status view).
        await admin.query(
          `INSERT INTO devices (name, collector_type, host, port, interval_ms) VALUES ('bad', 'x', '', -1, 0)`,
        );
      } finally {
        await admin.end();
      }
    });

    it('moves updated_at on every update, even twice in one transaction', async () => {
      const schema = fresh();
      await migrate(target.options(schema));
      const admin = await adminClient();
      try {
        await admin.query(`SET search_path TO "${schema}"`);
        await admin.query(
          `INSERT INTO devices (name, collector_type, host) VALUES ('r1', 'snmp', 'h')`,
        );
        const ms = `floor(extract(epoch from updated_at) * 1000)::float8 AS ms`;
        await admin.query('BEGIN');
        const t0 = (await admin.query<{ ms: number }>(`SELECT ${ms} FROM devices`)).rows[0]!.ms;
        await admin.query(`UPDATE devices SET host = 'h2'`);
        const t1 = (await admin.query<{ ms: number }>(`SELECT ${ms} FROM devices`)).rows[0]!.ms;
        await admin.query(`UPDATE devices SET host = 'h3'`);
        const t2 = (await admin.query<{ ms: number }>(`SELECT ${ms} FROM devices`)).rows[0]!.ms;
        await admin.query('COMMIT');
        assert.ok(t1 > t0 && t2 > t1, `${t0} < ${t1} < ${t2}`);
      } finally {
        await admin.end();
      }
    });

    it('is not disturbed by other schemas being dropped while it runs (shared servers, tests)', async () => {
      const admin = await adminClient();
      const doomed = Array.from({ length: 30 }, () => randomSchema());
      try {
        for (const d of doomed) {
          await admin.query(
            `CREATE SCHEMA "${d}"; CREATE TABLE "${d}".t (id bigint GENERATED BY DEFAULT AS IDENTITY)`,
          );
        }
        const drops = (async () => {
          for (const d of doomed) await admin.query(`DROP SCHEMA "${d}" CASCADE`);
        })();
        const runs = Array.from({ length: 6 }, () => migrate(target.options(fresh())));
        const results = await Promise.all([...runs, drops]);
        for (const applied of results.slice(0, runs.length)) {
          assert.deepEqual(applied, [...INVENTORY_MIGRATION_NAMES]);
        }
      } finally {
        for (const d of doomed) await admin.query(`DROP SCHEMA IF EXISTS "${d}" CASCADE`);
        await admin.end();
      }
    });
  });
