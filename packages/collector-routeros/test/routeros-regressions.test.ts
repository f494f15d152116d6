import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@pollfleet/core';
import type { CollectContext, DeviceSpec, SharedStateStore } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsOptions } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import type { SelfSignedCertificate } from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

const users = { admin: { password: 'secret' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function ctx(signal: AbortSignal = new AbortController().signal): CollectContext {
  return collectContext({ signal });
}
function dev(
  c: RouterOsCollector,
  host: string,
  port: number,
  id: string,
  raw: unknown = {},
): DeviceSpec<RouterOsOptions> {
  return routerDevice(c, { host, port }, id, raw);
}
const newCollector = (o = {}, sharedState: SharedStateStore = new MemorySharedState()) =>
  new RouterOsCollector({ logger: testLogger(), clock: systemClock, sharedState }, o);

describe('regressions found in review', () => {
  let sim: RouterOsSimulator;
  let cert: SelfSignedCertificate;
  let rest: RouterOsSimulator;
  before(async () => {
    sim = await RouterOsSimulator.start({ routers: 4, defaults: { users } });
    cert = generateSelfSignedCertificate();
    rest = await RouterOsSimulator.start({
      routers: 1,
      tls: cert,
      protocol: 'rest',
      defaults: { users },
    });
  });
  after(async () => {
    await sim.close();
    await rest.close();
  });

  it('rates use the time the counters were read, not when the slowest extra finished', async () => {
    const c = newCollector();
    const r = sim.router(0);
    const d = dev(c, r.host, r.port, 'rates', {
      commandTimeoutMs: 1000,
      extras: [{ name: 'addresses', command: '/ip/address' }],
    });
    r.faults = { stall: ['/ip/address'] }; // extra times out after 1 s, poll still succeeds
    const p1 = (await c.collect(d, ctx())).data;
    assert.equal(p1.extras['addresses']?.ok, false);
    await sleep(1000);
    r.faults = {};
    const p2 = (await c.collect(d, ctx())).data;
    const ether1 = p2.interfaces.find((i) => i.name === 'ether1');
    // ether1 receives 125 000 B/s = 1 000 000 bit/s in the simulator.
    await c.close();
    assert.ok(
      Math.abs((ether1?.rxBitsPerSecond ?? 0) - 1_000_000) < 100_000,
      `rate ${ether1?.rxBitsPerSecond} should be ~1e6`,
    );
  });

  it('auto: forget() during the shared-state lookup leaves no connection open', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const mem = new MemorySharedState();
    const slow: SharedStateStore = {
      get: async (k) => {
        await gate;
        return mem.get(k);
      },
      set: (k, v, t) => mem.set(k, v, t),
      delete: (k) => mem.delete(k),
    };
    const c = newCollector({}, slow);
    const r = sim.router(2);
    const d = dev(c, r.host, r.port, 'auto-fg', {
      transport: 'auto',
      tls: { mode: 'insecure-self-signed' },
    });
    const p = c.collect(d, ctx());
    await sleep(20);
    c.forget('auto-fg');
    release();
    await p.catch(() => undefined);
    await sleep(200);
    const open = r.openConnections,
      held = c.openConnections;
    await c.close();
    assert.deepEqual(
      { open, held },
      { open: 0, held: 0 },
      'forgotten device still holds a router session',
    );
  });

  it('auto: an aborted API probe is not remembered as "api"', async () => {
    const shared = new MemorySharedState();
    // A free port with nothing listening: the API is not there, only REST is.
    const probe = net.createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((res) => probe.close(() => res()));
    const auto = {
      transport: 'auto',
      restPort: rest.router(0).port,
      tls: { mode: 'insecure-self-signed' },
    };
    const a = newCollector({}, shared);
    const ac = new AbortController();
    const p = a.collect(dev(a, '127.0.0.1', deadPort, 'auto-abort', auto), ctx(ac.signal));
    ac.abort(); // the poll's deadline / poller shutdown hits while the API probe runs
    await assert.rejects(p);
    await a.close();
    // Another pod, healthy poll: it never probes REST, fails ROS_CONNECT_REFUSED for 24 h.
    const b = newCollector({}, shared);
    const res = await b.collect(dev(b, '127.0.0.1', deadPort, 'auto-abort', auto), ctx()).then(
      (r) => r.data.transport,
      (e: unknown) => (e as Error & { code: string }).code,
    );
    await b.close();
    assert.equal(res, 'rest');
  });

  it('a router streaming endless valid items fails the connection instead of exhausting the heap', () => {
    const child = fileURLToPath(new URL('./fixtures/flood-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', child], {
      env: { ...process.env, CMD_TIMEOUT: '20000' }, // a valid per-device commandTimeoutMs (1..600000)
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, `collector process died (status ${r.status}, signal ${r.signal})`);
    assert.match(out, /REJECTED ROS_PROTOCOL/);
  });

  it('auto: a shared-state outage does not fail a poll of a router that answers', async () => {
    const down: SharedStateStore = {
      get: () => Promise.reject(new Error('redis: connection refused')),
      set: () => Promise.reject(new Error('redis: connection refused')),
      delete: () => Promise.reject(new Error('redis: connection refused')),
    };
    const c = newCollector({}, down);
    const r = sim.router(3);
    const d = dev(c, r.host, r.port, 'auto-redis', {
      transport: 'auto',
      tls: { mode: 'insecure-self-signed' },
    });
    const res = await c.collect(d, ctx()).then(
      () => 'ok',
      (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
    );
    await c.close();
    assert.equal(res, 'ok');
  });
});
