import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProbeRecorder, TcpProxy } from '@pollfleet/testing';
import { PollerProcess } from './poller-process.js';
import { serviceEndpoint } from '@pollfleet/testing/services';
import { DB_URL, TestInventory, eventually, probePollerEnv, sleep } from './support.js';

/** The test database's URL, reached through the proxy listening on `port`. */
function throughProxy(port: number): string {
  const url = new URL(DB_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.href;
}

describe('PostgreSQL goes away under a running poller', { timeout: 180_000 }, () => {
  const recorder = new ProbeRecorder();
  const database = serviceEndpoint(DB_URL);
  const proxy = new TcpProxy(database.port, database.host);
  let inv: TestInventory;
  let poller: PollerProcess | undefined;

  before(async () => {
    inv = await TestInventory.create('outage');
  });
  after(async () => {
    poller?.kill('SIGKILL');
    await poller?.exited;
    await inv.drop();
    await recorder.close();
    await proxy.close();
  });

  it('keeps polling the last known devices, reports degraded, and catches up afterwards', async () => {
    const devicePort = await recorder.listen();
    const proxyPort = await proxy.listen();
    const [first] = await inv.insertProbes(['before-outage'], devicePort, 500, 300);
    poller = new PollerProcess(
      probePollerEnv(inv.schema, {
        POLLFLEET_DATABASE_URL: throughProxy(proxyPort),
        POLLFLEET_REFRESH_MS: '30000',
      }),
    );
    const running = await poller.running();
    const port = Number(String(running.http).split(':').at(-1));
    const status = async () =>
      (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
        inventory: { degraded: boolean };
      };
    await eventually(() => recorder.pollsOf(first!).length > 0, 10_000, 'first device polled');

    proxy.cut();
    await eventually(async () => (await status()).inventory.degraded, 10_000, 'degraded reported');
    // Made while the poller cannot see the database.
    const [second] = await inv.insertProbes(['during-outage'], devicePort, 500, 300);
    const during = recorder.pollsOf(first!).length;
    await sleep(3000);
    assert.ok(recorder.pollsOf(first!).length >= during + 4, 'the known device is still polled');
    assert.equal(recorder.pollsOf(second!).length, 0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^pollfleet_inventory_degraded 1$/m);

    proxy.restore();
    await eventually(
      () => recorder.pollsOf(second!).length > 0,
      20_000,
      'the device added during the outage is polled',
    );
    assert.equal((await status()).inventory.degraded, false);
  });
});
