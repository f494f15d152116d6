import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Credentials } from '@pollfleet/core';
import {
  CredentialsFormatError,
  InventoryClosedError,
  PostgresInventory,
} from '@pollfleet/inventory-postgres';
import { sql } from 'kysely';
import { inventoryTargets } from './inventory-targets.js';
import type { AdminClient } from './inventory-targets.js';
import { randomSchema } from './support.js';

for (const target of inventoryTargets())
  describe(`PostgresInventory reads (${target.name})`, () => {
    const schema = randomSchema();
    let inventory: PostgresInventory;
    let admin: AdminClient;
    const ids: Record<string, string> = {};

    before(async () => {
      await target.setup();
      inventory = new PostgresInventory(target.options(schema));
      await inventory.migrate();
      admin = await target.admin();
      await admin.query(`SET search_path TO "${schema}"`);
      const add = async (sql: string): Promise<void> => {
        const r = await admin.query<{ id: string; name: string }>(`${sql} RETURNING id, name`);
        for (const row of r.rows) ids[row.name] = row.id;
      };
      await add(
        `INSERT INTO devices (name, collector_type, host) VALUES ('plain', 'snmp', '10.0.0.1')`,
      );
      await add(
        `INSERT INTO devices (name, collector_type, host, port, interval_ms, timeout_ms, options, credentials_ref, labels)
       VALUES ('full', 'routeros', 'r.example', 8728, 30000, 5000, '{"commands":["/system/resource"]}',
               'ros-admin', '{"site":"ams","rack":4,"core":true,"gone":null}')`,
      );
      await add(
        `INSERT INTO devices (name, collector_type, host, enabled) VALUES ('off', 'snmp', '10.0.0.2', false)`,
      );
      await add(
        `INSERT INTO devices (name, collector_type, host, options, labels)
       VALUES ('odd', 'snmp', '10.0.0.3', '"not an object"', '["a","b"]')`,
      );
      await add(
        `INSERT INTO devices (name, collector_type, host, options, labels)
       VALUES ('nulls', 'snmp', '10.0.0.4', 'null', 'null')`,
      );
    });

    after(async () => {
      await admin?.end();
      await inventory?.close();
      await target.dropSchema(schema);
      await target.teardown();
    });

    it('lists enabled rows only, mapped to DeviceRow', async () => {
      const rows = await inventory.listEnabled();
      assert.deepEqual(rows.map((r) => r.name).sort(), ['full', 'nulls', 'odd', 'plain']);
      const full = rows.find((r) => r.name === 'full')!;
      assert.deepEqual(
        { ...full, revision: 0 },
        {
          id: ids.full,
          name: 'full',
          collectorType: 'routeros',
          host: 'r.example',
          port: 8728,
          intervalMs: 30000,
          timeoutMs: 5000,
          enabled: true,
          options: { commands: ['/system/resource'] },
          credentialsRef: 'ros-admin',
          labels: { site: 'ams', rack: '4', core: 'true' },
          revision: 0,
        },
      );
      assert.equal(typeof full.id, 'string');
      assert.ok(Number.isInteger(full.revision) && full.revision > Date.UTC(2020, 0, 1));
      const plain = rows.find((r) => r.name === 'plain')!;
      assert.equal(plain.port, null);
      assert.equal(plain.intervalMs, 60000);
      assert.deepEqual(plain.labels, {});
      assert.deepEqual(plain.options, {});
    });

    it('maps rows with odd JSON without throwing, leaving options for the engine to judge', async () => {
      const [odd, nulls] = await inventory.getDevices([ids.odd!, ids.nulls!]);
      assert.equal(odd!.options, 'not an object');
      assert.deepEqual(odd!.labels, {});
      assert.equal(nulls!.options, null);
      assert.deepEqual(nulls!.labels, {});
    });

    it('gets rows by id, enabled or not, ignoring unknown and malformed ids', async () => {
      const rows = await inventory.getDevices([
        ids.off!,
        ids.plain!,
        '999999',
        'abc',
        '-1',
        '99999999999999999999',
        '9999999999999999999',
        ids.off!,
      ]);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['plain', 'off'],
      );
      assert.equal(rows[1]!.enabled, false);
      assert.deepEqual(await inventory.getDevices([]), []);
    });

    it('changes the revision on every update', async () => {
      const before = (await inventory.getDevices([ids.plain!]))[0]!.revision;
      await admin.query(`UPDATE devices SET host = '10.0.0.9' WHERE id = $1`, [ids.plain]);
      const mid = (await inventory.getDevices([ids.plain!]))[0]!.revision;
      await admin.query(`UPDATE devices SET host = '10.0.0.1' WHERE id = $1`, [ids.plain]);
      const last = (await inventory.getDevices([ids.plain!]))[0]!.revision;
      assert.ok(before < mid && mid < last, `${before} < ${mid} < ${last}`);
    });

    it('resolves credentials as redacting Credentials, undefined when missing', async () => {
      await admin.query(
        `INSERT INTO credentials (ref, secret) VALUES ('ros-admin', '{"username":"admin","password":"s3cret"}')`,
      );
      const creds = await inventory.credentials.resolve('ros-admin');
      assert.ok(creds instanceof Credentials);
      assert.equal(creds.require('password'), 's3cret');
      assert.equal(creds.get('username'), 'admin');
      assert.ok(!inspect(creds).includes('s3cret'));
      assert.equal(await inventory.credentials.resolve('nope'), undefined);
    });

    it('rejects a malformed secret with an error naming the ref, never the values', async () => {
      await admin.query(
        `INSERT INTO credentials (ref, secret) VALUES ('broken', '{"community":"pub1ic","port":161}'),
                                                    ('scalar', '"hunter2"')`,
      );
      for (const ref of ['broken', 'scalar']) {
        await assert.rejects(
          inventory.credentials.resolve(ref),
          (err: unknown) =>
            err instanceof CredentialsFormatError &&
            err.ref === ref &&
            err.message.includes(`"${ref}"`) &&
            !/pub1ic|hunter2|161/.test(err.message),
        );
      }
    });

    it('returns SNMP profile definitions by name', async () => {
      const definition = { oids: [{ name: 'sysUpTime', oid: '1.3.6.1.2.1.1.3.0' }] };
      await admin.query(`INSERT INTO snmp_profiles (name, definition) VALUES ('basic', $1)`, [
        JSON.stringify(definition),
      ]);
      assert.deepEqual(await inventory.snmpProfiles.get('basic'), definition);
      assert.equal(await inventory.snmpProfiles.get('missing'), undefined);
    });

    it(
      'applies the statement timeout to its queries (server only)',
      { skip: target.name !== 'server' },
      async () => {
        const impatient = new PostgresInventory(
          target.options(schema, { statementTimeoutMs: 100 }),
        );
        try {
          await assert.rejects(
            sql`SELECT pg_sleep(2)`.execute(impatient.db),
            (err: unknown) => (err as { code?: string }).code === '57014', // query_canceled
          );
        } finally {
          await impatient.close();
        }
      },
    );

    it('refuses new watches once closed', async () => {
      const closed = new PostgresInventory(target.options(schema));
      await closed.close();
      await assert.rejects(
        closed.watch(
          () => undefined,
          () => undefined,
        ),
        InventoryClosedError,
      );
    });
  });
