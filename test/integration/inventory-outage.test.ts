import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import { ProbeRecorder, TcpProxy } from '@pollfleet/testing';
import { PollerProcess } from './poller-process.js';

const DB_URL = 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('PostgreSQL goes away under a running poller', { timeout: 90_000 }, () => {
  const id = randomBytes(4).toString('hex');
  const schema = `it_outage_${id}`;
  const recorder = new ProbeRecorder();
  const proxy = new TcpProxy(5432);
  const db = new pg.Client({ connectionString: DB_URL });
  let poller: PollerProcess | undefined;

  before(async () => {
    await db.connect();
    await db.query(`create schema ${schema}`);
    const inv = new PostgresInventory({ connectionString: DB_URL, schema });
    await inv.migrate();
    await inv.close();
  });
  after(async () => {
    poller?.kill('SIGKILL');
    await poller?.exited;
    await db.query(`drop schema ${schema} cascade`);
    await db.end();
    await recorder.close();
    await proxy.close();
  });

  it('keeps polling the last known devices, reports degraded, and catches up afterwards', async () => {
    const devicePort = await recorder.listen();
    const proxyPort = await proxy.listen();
    const insert = (name: string) =>
      db.query<{ id: string }>(
        `insert into ${schema}.devices (name, collector_type, host, port, interval_ms, timeout_ms) values ($1, 'probe', '127.0.0.1', $2, 500, 300) returning id::text`,
        [name, devicePort],
      );
    const first = (await insert('before-outage')).rows[0]!.id;
    poller = new PollerProcess({
      POLLFLEET_DATABASE_URL: `postgres://postgres@127.0.0.1:${proxyPort}/test`,
      POLLFLEET_DATABASE_SCHEMA: schema,
      POLLFLEET_HTTP_HOST: '127.0.0.1',
      POLLFLEET_HTTP_PORT: '0',
      POLLFLEET_COLLECTOR_MODULES: '@pollfleet/testing/probe-collector',
      POLLFLEET_MIN_INTERVAL_MS: '100',
      POLLFLEET_REFRESH_MS: '30000',
      POLLFLEET_LOG_LEVEL: 'info',
    });
    const running = await poller.running();
    const port = Number(String(running.http).split(':').at(-1));
    const status = async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
          inventory: { degraded: boolean };
        };
      } catch (e) {
        throw new Error(`status: ${String((e as Error).cause)}`);
      }
    };
    await eventually(() => recorder.pollsOf(first).length > 0, 10_000, 'first device polled');

    proxy.cut();
    await eventually(async () => (await status()).inventory.degraded, 10_000, 'degraded reported');
    const second = (await insert('during-outage')).rows[0]!.id; // made while the poller cannot see it
    const during = recorder.pollsOf(first).length;
    await sleep(3000);
    assert.ok(recorder.pollsOf(first).length >= during + 4, 'the known device is still polled');
    assert.equal(recorder.pollsOf(second).length, 0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^pollfleet_inventory_degraded 1$/m);

    proxy.restore();
    await eventually(
      () => recorder.pollsOf(second).length > 0,
      20_000,
      'the device added during the outage is polled',
    );
    assert.equal((await status()).inventory.degraded, false);
  });
});
