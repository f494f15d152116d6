import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CollectError, systemClock } from '@pollfleet/core';
import type { CollectContext, DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector, routerOsKeys } from '@pollfleet/collector-routeros';
import type { RouterOsOptions } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import type { SelfSignedCertificate, SimulatedRouter } from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

const ctx = (password = 'secret'): CollectContext => collectContext({ password, scheduledFor: 0 });

const code = (kind: 'transient' | 'permanent', c: string) => (e: unknown) => {
  assert.ok(e instanceof CollectError, String(e));
  assert.equal(e.code, c, e.message);
  assert.equal(e.kind, kind);
  return true;
};

describe('REST transport (RouterOS 7 over HTTPS) against the simulator', () => {
  let rest: RouterOsSimulator;
  let api: RouterOsSimulator;
  let cert: SelfSignedCertificate;
  let collector: RouterOsCollector;
  const device = (r: SimulatedRouter, id: string, raw: unknown): DeviceSpec<RouterOsOptions> =>
    routerDevice(collector, r, id, raw, null);
  const pinned = () => ({
    transport: 'rest',
    tls: { mode: 'fingerprint', fingerprint: cert.fingerprint256 },
    extras: [
      { name: 'addresses', command: '/ip/address', proplist: ['address', 'interface'] },
      { name: 'ppp', command: '/ppp/active' },
      { name: 'wireless', command: '/interface/wireless/registration-table' },
    ],
  });

  before(async () => {
    cert = generateSelfSignedCertificate();
    const now = Date.now();
    rest = await RouterOsSimulator.start({
      routers: 3,
      tls: cert,
      protocol: 'rest',
      now: () => now,
    });
    api = await RouterOsSimulator.start({ routers: 1, now: () => now });
    collector = new RouterOsCollector({
      logger: testLogger(),
      clock: systemClock,
      sharedState: new MemorySharedState(),
    });
  });
  after(async () => {
    await collector.close();
    await rest.close();
    await api.close();
  });

  it('publishes the same data over REST as over the API', async () => {
    const viaRest = (await collector.collect(device(rest.router(0), 'rest-0', pinned()), ctx()))
      .data;
    const viaApi = (
      await collector.collect(device(api.router(0), 'api-0', { extras: pinned().extras }), ctx())
    ).data;
    assert.equal(viaRest.transport, 'rest');
    const strip = (d: typeof viaRest) => ({
      ...d,
      transport: undefined,
      sampledAt: undefined,
      system: {
        ...d.system,
        identity: undefined,
        cpu: { ...d.system.cpu, loadPercent: undefined },
      },
      // The router's refusal text differs (HTTP 404 vs "no such command prefix"); the code does not.
      extras: {
        ...d.extras,
        wireless: d.extras['wireless']?.ok === false ? d.extras['wireless'].error.code : 'ok',
      },
    });
    assert.deepEqual(strip(viaRest), strip(viaApi));
    assert.deepEqual(viaRest.extras['ppp'], { ok: true, items: [] });
    assert.equal(viaRest.extras['wireless']?.ok, false);
  });

  it('keeps its HTTPS connections across polls', async () => {
    const r = rest.router(1);
    const d = device(r, 'rest-1', pinned());
    await collector.collect(d, ctx());
    const opened = r.stats.connections;
    for (let i = 0; i < 3; i++) await collector.collect(d, ctx());
    assert.equal(r.stats.connections, opened);
    // 8 prints per poll share at most 4 connections (none opened and dropped per poll).
    assert.ok(opened <= 4, `${opened} connections`);
    assert.equal(r.stats.lastHost, `${r.host}:${r.port}`, 'Host names the router');
  });

  it('fails permanently on bad credentials and on a wrong pin, sending nothing to the wrong peer', async () => {
    const r = rest.router(2);
    await assert.rejects(
      collector.collect(device(r, 'rest-bad', pinned()), ctx('wrong')),
      code('permanent', 'ROS_AUTH_FAILED'),
    );
    const before = r.stats.commands;
    const wrongPin = { ...pinned(), tls: { mode: 'fingerprint', fingerprint: 'ab'.repeat(32) } };
    await assert.rejects(
      collector.collect(device(r, 'rest-pin', wrongPin), ctx()),
      code('permanent', 'ROS_TLS_FINGERPRINT'),
    );
    await assert.rejects(
      collector.collect(device(r, 'rest-verify', { transport: 'rest' }), ctx()),
      code('permanent', 'ROS_TLS_VERIFY'),
    );
    assert.equal(r.stats.commands, before, 'no request reached a peer that failed the check');
    const ok = { transport: 'rest', tls: { mode: 'verify', ca: cert.cert } };
    assert.equal((await collector.collect(device(r, 'rest-ca', ok), ctx())).data.transport, 'rest');
  });

  it('auto: picks the API where it answers, else REST, and remembers it across pods', async () => {
    const shared = new MemorySharedState();
    const make = () =>
      new RouterOsCollector({ logger: testLogger(), clock: systemClock, sharedState: shared });
    const a = make();
    const b = make();
    // A port that accepts and resets at once stands for "no API service here"; it counts visits.
    let apiVisits = 0;
    const noApi = net.createServer((s) => {
      apiVisits++;
      s.destroy();
    });
    await new Promise<void>((r) => noApi.listen(0, '127.0.0.1', r));
    try {
      const auto = {
        transport: 'auto',
        tls: { mode: 'insecure-self-signed' },
        restPort: rest.router(0).port,
      };
      const apiDevice = {
        ...device(api.router(0), 'auto-api', auto),
        options: a.parseOptions(auto, 'auto-api'),
      };
      assert.equal((await a.collect(apiDevice, ctx())).data.transport, 'api');
      assert.equal(await shared.get(routerOsKeys.transport('auto-api')), 'api');

      const restDevice = {
        ...device(api.router(0), 'auto-rest', auto),
        port: (noApi.address() as net.AddressInfo).port,
        options: a.parseOptions(auto, 'auto-rest'),
      };
      assert.equal((await a.collect(restDevice, ctx())).data.transport, 'rest');
      // The API probe, and the TLS check of a port that closed on the login without a byte.
      assert.equal(apiVisits, 2);
      assert.equal((await a.collect(restDevice, ctx())).data.transport, 'rest');
      // Another pod (same shared state) goes straight to REST: no second probe of the API port.
      assert.equal((await b.collect(restDevice, ctx())).data.transport, 'rest');
      assert.equal(apiVisits, 2);
    } finally {
      await a.close();
      await b.close();
      await new Promise<void>((r) => noApi.close(() => r()));
    }
  });

  it('times out a slow REST reply and a hung TLS handshake as transient', async () => {
    const c = new RouterOsCollector(
      { logger: testLogger(), clock: systemClock, sharedState: new MemorySharedState() },
      { connectTimeoutMs: 150 },
    );
    const r = rest.router(2);
    try {
      const slow = { ...pinned(), commandTimeoutMs: 100 };
      r.faults = { slowReplyMs: 400 };
      // REST has no login: its first request (the credentials check) is what times out.
      await assert.rejects(
        c.collect(device(r, 'rest-slow', slow), ctx()),
        code('transient', 'ROS_LOGIN_TIMEOUT'),
      );
      r.faults = { hangAfterAccept: true };
      await assert.rejects(
        c.collect(device(r, 'rest-hang', pinned()), ctx()),
        code('transient', 'ROS_TLS_HANDSHAKE_TIMEOUT'),
      );
    } finally {
      r.faults = {};
      await c.close();
    }
  });
});
