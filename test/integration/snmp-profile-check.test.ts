import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SNMP_AGENT_SECRETS, startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { PollerProcess } from './poller-process.js';
import { TestInventory, eventually, probePollerEnv } from './support.js';

interface Status {
  invalidDevices: { deviceId: string; field: string; reason: string }[];
  devices: { id: string; lastPoll: { ok: boolean; errorCode?: string } | null }[];
}

describe(
  'a row naming an SNMP profile that does not exist is reported when it is read',
  { timeout: 180_000 },
  () => {
    let agent: SnmpAgent;
    let inv: TestInventory;
    let poller: PollerProcess | undefined;

    before(async () => {
      agent = await startSnmpAgent();
      inv = await TestInventory.create('snmpprofile');
    });
    after(async () => {
      poller?.kill('SIGKILL');
      await poller?.exited;
      await agent.stop();
      await inv.drop();
    });

    it('is an invalid row (options.profile) until the profile is added, then it polls', async () => {
      const s = inv.schema;
      await inv.db.query(`insert into ${s}.credentials (ref, secret) values ('v2', $1::jsonb)`, [
        JSON.stringify({ community: SNMP_AGENT_SECRETS.community }),
      ]);
      const { rows } = await inv.db.query<{ id: string }>(
        `insert into ${s}.devices (name, collector_type, host, port, interval_ms, timeout_ms, options, credentials_ref)
         values ('lite', 'snmp', '127.0.0.1', $1, 1000, 900, '{"version":"2c","profile":"if-lite"}', 'v2')
         returning id::text`,
        [agent.port],
      );
      const id = rows[0]!.id;
      // A full sync every 10 minutes: what follows can only come from the profile's trigger.
      poller = new PollerProcess({
        ...probePollerEnv(s, { POLLFLEET_REFRESH_MS: '600000' }),
        POLLFLEET_COLLECTOR_MODULES: '',
      });
      const port = Number(
        String((await poller.running()).http)
          .split(':')
          .at(-1),
      );
      const get = async (path: string): Promise<string> =>
        (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      const status = async (): Promise<Status> => JSON.parse(await get('/status')) as Status;

      const st = await status();
      assert.deepEqual(
        st.invalidDevices.map((d) => [d.deviceId, d.field]),
        [[id, 'options.profile']],
      );
      assert.match(
        st.invalidDevices[0]!.reason,
        /SNMP profile "if-lite" does not exist; add it to the snmp_profiles table/,
      );
      assert.ok(!st.devices.some((d) => d.id === id), 'an invalid row is not polled');
      assert.match(await get('/metrics'), /^pollfleet_devices_invalid 1$/m);
      await poller.waitForLog(
        (l) => typeof l.msg === 'string' && l.msg.includes('"if-lite" does not exist'),
      );

      await inv.db.query(
        `insert into ${s}.snmp_profiles (name, definition) values ('if-lite', $1)`,
        [JSON.stringify({ scalars: [{ name: 'sysName', oid: '1.3.6.1.2.1.1.5.0' }] })],
      );
      await eventually(
        async () => (await status()).devices.some((d) => d.id === id && d.lastPoll?.ok === true),
        20_000,
        'the row to poll once its profile exists',
      );
      assert.deepEqual((await status()).invalidDevices, []);
      assert.match(await get('/metrics'), /^pollfleet_devices_invalid 0$/m);
    });
  },
);
