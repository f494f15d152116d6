import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CollectError, systemClock } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

/** A loopback server that does `onSocket` with each connection; closed by the returned stop. */
async function rawServer(
  onSocket: (s: net.Socket) => void,
): Promise<{ port: number; visits: () => number; stop: () => Promise<void> }> {
  let visits = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    visits++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    visits: () => visits,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('plain / TLS port mix-ups are permanent configuration errors', () => {
  let plain: RouterOsSimulator;
  let secure: RouterOsSimulator;
  let collector: RouterOsCollector;
  before(async () => {
    plain = await RouterOsSimulator.start({ routers: 2 });
    secure = await RouterOsSimulator.start({ routers: 1, tls: generateSelfSignedCertificate() });
    collector = new RouterOsCollector(
      { logger: testLogger(), clock: systemClock, sharedState: new MemorySharedState() },
      { connectTimeoutMs: 300 },
    );
  });
  after(async () => {
    await collector.close();
    await plain.close();
    await secure.close();
  });

  const failure = async (p: Promise<unknown>): Promise<CollectError> => {
    const e = await p.then(
      () => assert.fail('the poll succeeded'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof CollectError, String(e));
    return e;
  };
  const isMismatch = (e: CollectError, port: number) => {
    assert.equal(e.code, 'ROS_TRANSPORT_MISMATCH', e.message);
    assert.equal(e.kind, 'permanent');
    assert.match(e.message, /options\.transport/);
    assert.match(e.message, new RegExp(`:${port}\\b`));
  };

  it('plain API against a TLS port (a real TLS server closes on the login)', async () => {
    const r = secure.router(0);
    const e = await failure(
      collector.collect(routerDevice(collector, r, 'api-on-tls'), collectContext()),
    );
    isMismatch(e, r.port);
    assert.match(e.message, /"api-ssl"/);
  });

  it('plain API against a TLS service that answers with a TLS alert record', async () => {
    // A TLS stack that reports the bad record with an alert (protocol_version) before closing.
    const srv = await rawServer((s) =>
      s.once('data', () => s.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))),
    );
    try {
      const t = { host: '127.0.0.1', port: srv.port };
      const e = await failure(
        collector.collect(routerDevice(collector, t, 'alert'), collectContext()),
      );
      isMismatch(e, srv.port);
    } finally {
      await srv.stop();
    }
  });

  for (const hello of ['fatal', 'close'] as const) {
    it(`api-ssl and rest against a plain API port that answers the ClientHello with ${hello}`, async () => {
      const r = plain.router(0);
      r.faults = { tlsClientHello: hello };
      try {
        for (const transport of ['api-ssl', 'rest']) {
          const d = routerDevice(collector, r, `tls-on-plain-${hello}-${transport}`, {
            transport,
            tls: { mode: 'insecure-self-signed' },
          });
          const e = await failure(collector.collect(d, collectContext()));
          isMismatch(e, r.port);
          assert.match(e.message, /set it to "api"/);
        }
      } finally {
        r.faults = {};
      }
    });
  }

  it('a plain API port that waits on the ClientHello is a handshake timeout that says why', async () => {
    const r = plain.router(1);
    r.faults = { tlsClientHello: 'wait' };
    const d = routerDevice(collector, r, 'tls-on-silent-plain', {
      transport: 'api-ssl',
      tls: { mode: 'insecure-self-signed' },
    });
    const e = await failure(collector.collect(d, collectContext()));
    assert.equal(e.code, 'ROS_TLS_HANDSHAKE_TIMEOUT', e.message);
    assert.equal(e.kind, 'transient'); // a slow router looks the same: not parked
    assert.match(e.message, /options\.transport must be "api"/);
  });

  it('a TLS handshake closed by a port that is no RouterOS API stays a transient reset', async () => {
    const srv = await rawServer((s) => s.once('data', () => s.destroy()));
    try {
      const t = { host: '127.0.0.1', port: srv.port };
      const d = routerDevice(collector, t, 'tls-closer', {
        transport: 'api-ssl',
        tls: { mode: 'insecure-self-signed' },
      });
      const e = await failure(collector.collect(d, collectContext()));
      assert.equal(e.code, 'ROS_CONNECTION_RESET', e.message);
      assert.equal(e.kind, 'transient');
      assert.equal(srv.visits(), 2, 'the handshake, then one plain-API check');
    } finally {
      await srv.stop();
    }
  });

  it('auto on a TLS port falls back to REST, as when no API answers there', async () => {
    const rest = await RouterOsSimulator.start({
      routers: 1,
      tls: generateSelfSignedCertificate(),
      protocol: 'rest',
    });
    try {
      const d = routerDevice(collector, secure.router(0), 'auto-on-tls', {
        transport: 'auto',
        tls: { mode: 'insecure-self-signed' },
        restPort: rest.router(0).port,
      });
      assert.equal((await collector.collect(d, collectContext())).data.transport, 'rest');
    } finally {
      collector.forget('auto-on-tls');
      await rest.close();
    }
  });

  it('a port that closes on the login and does not speak TLS stays a transient reset', async () => {
    const srv = await rawServer((s) => s.once('data', () => s.destroy()));
    try {
      const t = { host: '127.0.0.1', port: srv.port };
      const e = await failure(
        collector.collect(routerDevice(collector, t, 'closer'), collectContext()),
      );
      assert.equal(e.code, 'ROS_CONNECTION_RESET', e.message);
      assert.equal(e.kind, 'transient');
    } finally {
      await srv.stop();
    }
  });
});
