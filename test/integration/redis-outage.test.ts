import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import { PrivateRedis, ProbeRecorder } from '@pollfleet/testing';
import { PollerProcess } from './poller-process.js';

const DB_URL = 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function lastFence(url: string, deviceId: string): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const entries = await r.xrevrange('pollfleet:results', '+', '-', 'COUNT', 200);
    for (const [, fields] of entries) {
      const json = fields[fields.indexOf('result') + 1];
      const res = JSON.parse(json ?? '{}') as { deviceId?: string; fence?: number };
      if (res.deviceId === deviceId) return res.fence ?? -1;
    }
    return -1;
  } finally {
    r.disconnect();
  }
}

describe('Redis dies and comes back under a running poller', { timeout: 90_000 }, () => {
  const schema = `it_redis_${randomBytes(4).toString('hex')}`;
  const recorder = new ProbeRecorder();
  const db = new pg.Client({ connectionString: DB_URL });
  let redis: PrivateRedis;
  let poller: PollerProcess | undefined;

  before(async () => {
    redis = await PrivateRedis.start();
    await db.connect();
    await db.query(`create schema ${schema}`);
    const inv = new PostgresInventory({ connectionString: DB_URL, schema });
    await inv.migrate();
    await inv.close();
  });
  after(async () => {
    poller?.kill('SIGKILL');
    await poller?.exited;
    await redis.kill();
    await db.query(`drop schema ${schema} cascade`);
    await db.end();
    await recorder.close();
  });

  it('stops polling while leases cannot be checked, stays up, and resumes with a higher fence', async () => {
    const port = await recorder.listen();
    const url = `redis://127.0.0.1:${redis.port}`;
    const { rows } = await db.query<{ id: string }>(
      `insert into ${schema}.devices (name, collector_type, host, port, interval_ms, timeout_ms) values ('r1', 'probe', '127.0.0.1', $1, 500, 300) returning id::text`,
      [port],
    );
    const id = rows[0]!.id;
    poller = new PollerProcess({
      POLLFLEET_DATABASE_URL: DB_URL,
      POLLFLEET_DATABASE_SCHEMA: schema,
      POLLFLEET_REDIS_URL: url,
      POLLFLEET_HTTP_HOST: '127.0.0.1',
      POLLFLEET_HTTP_PORT: '0',
      POLLFLEET_COLLECTOR_MODULES: '@pollfleet/testing/probe-collector',
      POLLFLEET_MIN_INTERVAL_MS: '100',
      POLLFLEET_LEASE_MARGIN_MS: '1000',
      POLLFLEET_LOG_LEVEL: 'info',
    });
    await poller.running();
    await eventually(() => recorder.pollsOf(id).length >= 3, 10_000, 'polls before the outage');
    const fenceBefore = await lastFence(url, id);
    assert.ok(fenceBefore > 0);

    await redis.kill();
    await sleep(1500); // in-flight work settles
    const during = recorder.pollsOf(id).length;
    await sleep(3000);
    assert.equal(recorder.pollsOf(id).length, during, 'no poll without a lease check');
    assert.equal(poller.child.exitCode, null, 'the poller is still running');

    await redis.restart(); // empty: no persistence, so leases and fence counters are gone
    await eventually(() => recorder.pollsOf(id).length > during, 20_000, 'polling resumes');
    await eventually(
      async () => (await lastFence(url, id)) > 0,
      10_000,
      'a result on the new server',
    );
    assert.ok(
      (await lastFence(url, id)) > fenceBefore,
      'fences keep increasing across the data loss',
    );
  });
});
