import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { PrivateRedis, ProbeRecorder } from '@pollfleet/testing';
import { PollerProcess } from './poller-process.js';
import { TestInventory, eventually, probePollerEnv, sleep } from './support.js';

/** The fence of the newest result of `deviceId` on the stream, or -1. */
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

describe('Redis dies and comes back under a running poller', { timeout: 180_000 }, () => {
  const recorder = new ProbeRecorder();
  let inv: TestInventory;
  let redis: PrivateRedis;
  let poller: PollerProcess | undefined;

  before(async () => {
    redis = await PrivateRedis.start();
    inv = await TestInventory.create('redis');
  });
  after(async () => {
    poller?.kill('SIGKILL');
    await poller?.exited;
    await redis.kill();
    await inv.drop();
    await recorder.close();
  });

  it('stops polling while leases cannot be checked, stays up, and resumes with a higher fence', async () => {
    const port = await recorder.listen();
    const url = `redis://127.0.0.1:${redis.port}`;
    const [id] = await inv.insertProbes(['r1'], port, 500, 300);
    poller = new PollerProcess(
      probePollerEnv(inv.schema, { POLLFLEET_REDIS_URL: url, POLLFLEET_LEASE_MARGIN_MS: '1000' }),
    );
    const running = await poller.running();
    const http = `http://127.0.0.1:${String(running.http).split(':').at(-1)}`;
    const readyz = async () => (await fetch(`${http}/readyz`)).status;
    await eventually(() => recorder.pollsOf(id!).length >= 3, 10_000, 'polls before the outage');
    assert.equal(await readyz(), 200);
    const fenceBefore = await lastFence(url, id!);
    assert.ok(fenceBefore > 0);

    await redis.kill();
    await sleep(1500); // in-flight work settles
    const during = recorder.pollsOf(id!).length;
    await sleep(3000);
    assert.equal(recorder.pollsOf(id!).length, during, 'no poll without a lease check');
    assert.equal(poller.child.exitCode, null, 'the poller is still running');
    assert.equal(await readyz(), 503, 'not ready while leases cannot be checked');
    const status = (await (await fetch(`${http}/status`)).json()) as {
      leaseStore: { state: string };
    };
    assert.equal(status.leaseStore.state, 'unreachable');
    assert.equal((await fetch(`${http}/healthz`)).status, 200, 'alive: a restart would not help');

    await redis.restart(); // empty: no persistence, so leases and fence counters are gone
    await eventually(() => recorder.pollsOf(id!).length > during, 20_000, 'polling resumes');
    assert.equal(await readyz(), 200);
    await eventually(
      async () => (await lastFence(url, id!)) > 0,
      10_000,
      'a result on the new server',
    );
    assert.ok(
      (await lastFence(url, id!)) > fenceBefore,
      'fences keep increasing across the data loss',
    );
  });
});
