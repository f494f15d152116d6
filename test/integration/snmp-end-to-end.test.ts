import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ResultsReader } from '@pollfleet/bus-redis';
import type { PollResult } from '@pollfleet/core';
import {
  SNMP_AGENT_SECRETS,
  SNMP_AGENT_USERS,
  startSnmpAgent,
} from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { PollerProcess } from './poller-process.js';
import { TestInventory, eventually, probePollerEnv, REDIS_URL } from './support.js';

describe(
  'a poller process polls a real snmpd and publishes on the real stream',
  { timeout: 180_000 },
  () => {
    const prefix = `it-snmp-${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL);
    let agent: SnmpAgent;
    let inv: TestInventory;
    let poller: PollerProcess | undefined;

    before(async () => {
      agent = await startSnmpAgent();
      inv = await TestInventory.create('snmp');
    });
    after(async () => {
      poller?.kill('SIGKILL');
      await poller?.exited;
      await agent.stop();
      await inv.drop();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('v2c and v3 authPriv devices succeed, a wrong password is parked, and no secret leaks', async () => {
      const s = inv.schema;
      await inv.db.query(
        `insert into ${s}.credentials (ref, secret) values
         ('v2', $1::jsonb), ('v3', $2::jsonb), ('v3-wrong', $3::jsonb)`,
        [
          JSON.stringify({ community: SNMP_AGENT_SECRETS.community }),
          JSON.stringify({
            authKey: SNMP_AGENT_SECRETS.authKey,
            privKey: SNMP_AGENT_SECRETS.privKey,
          }),
          JSON.stringify({ authKey: 'not-the-auth-key', privKey: SNMP_AGENT_SECRETS.privKey }),
        ],
      );
      const v3 = (user: string) =>
        JSON.stringify({
          version: '3',
          user,
          securityLevel: 'authPriv',
          authProtocol: 'sha256',
          privProtocol: 'aes',
        });
      const { rows } = await inv.db.query<{ id: string; name: string }>(
        `insert into ${s}.devices (name, collector_type, host, port, interval_ms, timeout_ms, options, credentials_ref) values
         ('v2c', 'snmp', '127.0.0.1', $1, 2000, 1900, '{"version":"2c"}', 'v2'),
         ('v3', 'snmp', '127.0.0.1', $1, 2000, 1900, $2::jsonb, 'v3'),
         ('v3-wrong', 'snmp', '127.0.0.1', $1, 2000, 1900, $2::jsonb, 'v3-wrong')
       returning id::text, name`,
        [agent.port, v3(SNMP_AGENT_USERS.authPriv)],
      );
      const id = Object.fromEntries(rows.map((r) => [r.name, r.id]));
      poller = new PollerProcess({
        ...probePollerEnv(inv.schema, {
          POLLFLEET_REDIS_URL: REDIS_URL,
          POLLFLEET_KEY_PREFIX: prefix,
        }),
        POLLFLEET_COLLECTOR_MODULES: '',
      });
      await poller.running();

      const reader = new ResultsReader(redis, {
        stream: `${prefix}:results`,
        group: 'it',
        consumer: 'c1',
        count: 500,
      });
      const results: PollResult[] = [];
      const raw: string[] = [];
      await eventually(
        async () => {
          for (const r of await reader.read()) {
            if (r.ok) results.push(r.result);
          }
          // A whole poll (not one cut short by its timeout on a loaded machine or a host with
          // many interfaces): the checks below look at its tables.
          const ok = (name: string) =>
            results.some((r) => r.deviceId === id[name] && r.ok && !r.partial);
          return ok('v2c') && ok('v3') && results.some((r) => r.deviceId === id['v3-wrong']);
        },
        60_000,
        'results for every device',
      );
      const entries = await redis.xrange(`${prefix}:results`, '-', '+');
      for (const [, fields] of entries) raw.push(fields.join(' '));

      const v2c = results.find((r) => r.deviceId === id.v2c && r.ok && !r.partial)!;
      const data = v2c.data as {
        scalars?: Record<string, unknown>;
        tables?: Record<string, Record<string, unknown>>;
      };
      assert.equal(typeof data.scalars?.sysDescr, 'string', 'system group present');
      assert.ok(Object.keys(data.tables?.interfaces ?? {}).length >= 1, 'interface table present');
      assert.ok(v2c.fence > 0 && v2c.podId && v2c.scheduledFor > 0);
      const wrong = results.find((r) => r.deviceId === id['v3-wrong'])!;
      assert.equal(wrong.ok, false);
      assert.equal(wrong.error?.kind, 'permanent');
      assert.equal(wrong.error?.code, 'SNMP_AUTH_FAILED');

      const port = Number(
        String((await poller.running()).http)
          .split(':')
          .at(-1),
      );
      const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
        devices: {
          id: string;
          parked: boolean;
          retryAt: string | null;
          lastPoll: { scheduledFor: string } | null;
        }[];
      };
      const parked = status.devices.find((d) => d.id === id['v3-wrong'])!;
      assert.equal(parked.parked, true);
      assert.ok(Date.parse(parked.retryAt ?? '') > Date.now(), 'retryAt says when the next try is');
      const polled = status.devices.find((d) => d.id === id.v2c)!;
      assert.match(polled.lastPoll?.scheduledFor ?? '', /^\d{4}-\d\d-\d\dT/, 'times are ISO');
      const everything =
        raw.join('\n') +
        JSON.stringify(status) +
        poller.lines.map((l) => JSON.stringify(l)).join('\n');
      for (const secret of Object.values(SNMP_AGENT_SECRETS)) {
        assert.ok(
          !everything.includes(secret),
          'a secret reached the stream, the status or the logs',
        );
      }
    });
  },
);
