import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ResultsReader } from '@pollfleet/bus-redis';
import type { PollResult } from '@pollfleet/core';
import { RouterOsSimulator } from '@pollfleet/testing/routeros-simulator';
import { PollerProcess } from './poller-process.js';
import { TestInventory, eventually, probePollerEnv, REDIS_URL } from './support.js';

const PASSWORD = 'sim-pass-5e1f';

describe('a poller process polls simulated RouterOS 6 and 7 routers', { timeout: 180_000 }, () => {
  const prefix = `it-ros-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  let sim: RouterOsSimulator;
  let inv: TestInventory;
  let poller: PollerProcess | undefined;

  before(async () => {
    sim = await RouterOsSimulator.start({
      routers: [{ version: '6.49.10' }, { version: '7.18.2' }, { version: '7.18.2' }],
      defaults: { users: { admin: { password: PASSWORD } } },
    });
    inv = await TestInventory.create('ros');
  });
  after(async () => {
    poller?.kill('SIGKILL');
    await poller?.exited;
    await sim.close();
    await inv.drop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('normalised data from both versions, a wrong password parked, and no password anywhere', async () => {
    const s = inv.schema;
    await inv.db.query(
      `insert into ${s}.credentials (ref, secret) values ('good', $1::jsonb), ('bad', $2::jsonb)`,
      [
        JSON.stringify({ username: 'admin', password: PASSWORD }),
        JSON.stringify({ username: 'admin', password: 'not-the-password' }),
      ],
    );
    const { rows } = await inv.db.query<{ id: string; name: string }>(
      `insert into ${s}.devices (name, collector_type, host, port, interval_ms, timeout_ms, credentials_ref) values
         ('v6', 'routeros', '127.0.0.1', $1, 1000, 900, 'good'),
         ('v7', 'routeros', '127.0.0.1', $2, 1000, 900, 'good'),
         ('wrong', 'routeros', '127.0.0.1', $3, 1000, 900, 'bad')
       returning id::text, name`,
      [sim.router(0).port, sim.router(1).port, sim.router(2).port],
    );
    const id = Object.fromEntries(rows.map((r) => [r.name, r.id]));
    poller = new PollerProcess({
      ...probePollerEnv(s, { POLLFLEET_REDIS_URL: REDIS_URL, POLLFLEET_KEY_PREFIX: prefix }),
      POLLFLEET_COLLECTOR_MODULES: '',
    });
    await poller.running();
    const reader = new ResultsReader(redis, {
      stream: `${prefix}:results`,
      group: 'it',
      consumer: 'c',
      count: 500,
    });
    const results: PollResult[] = [];
    const okCount = (name: string) => results.filter((r) => r.deviceId === id[name] && r.ok).length;
    await eventually(
      async () => {
        for (const r of await reader.read()) if (r.ok) results.push(r.result);
        // Two successes each, so interface rates exist on the second.
        return (
          okCount('v6') >= 2 && okCount('v7') >= 2 && results.some((r) => r.deviceId === id.wrong)
        );
      },
      20_000,
      'results for every router',
    );
    const last = (name: string) => results.filter((r) => r.deviceId === id[name] && r.ok).at(-1)!;
    const keysOf = (r: PollResult) => Object.keys(r.data as object).sort();
    assert.deepEqual(
      keysOf(last('v6')),
      keysOf(last('v7')),
      'RouterOS 6 and 7 look the same to consumers',
    );
    const wrong = results.find((r) => r.deviceId === id.wrong)!;
    assert.equal(wrong.ok, false);
    assert.equal(wrong.error?.kind, 'permanent');

    const raw = (await redis.xrange(`${prefix}:results`, '-', '+'))
      .map(([, f]) => f.join(' '))
      .join('\n');
    const logs = poller.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.ok(!raw.includes(PASSWORD) && !logs.includes(PASSWORD), 'the password leaked');
    assert.ok(
      !raw.includes('not-the-password') && !logs.includes('not-the-password'),
      'the wrong password leaked',
    );
  });
});
