import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { CollectError, PollTimeoutError, systemClock } from '@pollfleet/core';
import type { CollectContext, DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsCollectorOptions, RouterOsOptions } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import type { SimulatedRouter } from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

const PASSWORD = 'Pa55-w0rd-never-shown';

function newCollector(o: RouterOsCollectorOptions = {}): RouterOsCollector {
  return new RouterOsCollector(
    { logger: testLogger(), clock: systemClock, sharedState: new MemorySharedState() },
    o,
  );
}

function ctx(
  o: { password?: string; signal?: AbortSignal; logger?: CollectContext['logger'] } = {},
): CollectContext {
  return collectContext({ password: PASSWORD, ...o });
}

function device(
  c: RouterOsCollector,
  r: SimulatedRouter,
  id: string,
  raw: unknown = {},
): DeviceSpec<RouterOsOptions> {
  return routerDevice(c, r, id, raw);
}

const code = (kind: 'transient' | 'permanent', c: string) => (e: unknown) => {
  assert.ok(e instanceof CollectError, String(e));
  assert.equal(e.code, c, e.message);
  assert.equal(e.kind, kind);
  return true;
};

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

describe('RouterOS collector connections and failures', () => {
  let sim: RouterOsSimulator;
  const users = { admin: { password: PASSWORD } };
  before(async () => {
    sim = await RouterOsSimulator.start({ routers: 6, defaults: { users } });
  });
  after(() => sim.close());

  it('reuses one connection per device across polls and closes it on forget', async () => {
    const c = newCollector();
    const r = sim.router(0);
    const d = device(c, r, 'reuse');
    for (let i = 0; i < 3; i++) await c.collect(d, ctx());
    assert.equal(r.stats.connections, 1);
    assert.equal(r.stats.logins, 1);
    assert.equal(r.openConnections, 1);
    c.forget('reuse');
    await until(() => r.openConnections === 0);
    await c.close();
  });

  it('opens a connection per poll when reuse is off', async () => {
    const c = newCollector({ reuseConnections: false });
    const r = sim.router(1);
    const d = device(c, r, 'no-reuse');
    for (let i = 0; i < 3; i++) await c.collect(d, ctx());
    assert.equal(r.stats.connections, 3);
    assert.equal(c.openConnections, 0);
    await until(() => r.openConnections === 0);
    await c.close();
  });

  it('reconnects after the router dropped the connection, and replaces a hung one', async () => {
    // The healthy polls here must answer within the command timeout too: keep it well above
    // what a loaded machine takes (the hung poll below waits it out, plus the cancel's).
    const c = newCollector({ commandTimeoutMs: 1000, cancelTimeoutMs: 1000 });
    const r = sim.router(2);
    const d = device(c, r, 'reconnect');
    await c.collect(d, ctx());
    r.dropConnections();
    await until(() => r.openConnections === 0);
    await c.collect(d, ctx());
    assert.equal(r.stats.connections, 2);
    r.faults = { hangAfterLogin: true };
    await assert.rejects(c.collect(d, ctx()), code('transient', 'ROS_COMMAND_TIMEOUT'));
    // The /cancel goes unanswered: the connection is judged hung, dropped, replaced next poll.
    await until(() => r.openConnections === 0);
    r.faults = {};
    await c.collect(d, ctx());
    assert.equal(r.stats.connections, 3);
    await c.close();
  });

  it('fails fast on abort with the poll’s reason, and the connection survives', async () => {
    const c = newCollector();
    const r = sim.router(3);
    const d = device(c, r, 'abort');
    await c.collect(d, ctx());
    r.faults = { stall: ['/interface'] };
    const ac = new AbortController();
    const p = c.collect(d, ctx({ signal: ac.signal }));
    setTimeout(() => ac.abort(new PollTimeoutError(5000)), 50);
    await assert.rejects(p, (e: unknown) => e instanceof PollTimeoutError);
    r.faults = {};
    await c.collect(d, ctx());
    assert.equal(r.stats.connections, 1);
    assert.ok(r.stats.cancels >= 1);
    await c.close();
  });

  it('classifies failures: bad credentials permanent, !fatal and drops transient', async () => {
    const c = newCollector();
    const r = sim.router(4);
    await assert.rejects(
      c.collect(device(c, r, 'bad'), ctx({ password: 'nope' })),
      code('permanent', 'ROS_AUTH_FAILED'),
    );
    r.faults = { fatal: true };
    await assert.rejects(c.collect(device(c, r, 'fatal'), ctx()), code('transient', 'ROS_FATAL'));
    r.faults = { dropMidReply: true };
    await assert.rejects(
      c.collect(device(c, r, 'drop'), ctx()),
      code('transient', 'ROS_CONNECTION_RESET'),
    );
    r.faults = { malformedLength: true };
    await assert.rejects(
      c.collect(device(c, r, 'garbage'), ctx()),
      code('transient', 'ROS_PROTOCOL'),
    );
    r.faults = {};
    const noCreds = { ...ctx(), credentials: undefined };
    await assert.rejects(
      c.collect(device(c, r, 'nocreds'), noCreds),
      code('permanent', 'ROS_CREDENTIALS_MISSING'),
    );
    await c.close();
  });

  it('never shows the password in errors, logs or results', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
    const c = new RouterOsCollector({
      logger,
      clock: systemClock,
      sharedState: new MemorySharedState(),
    });
    const r = sim.router(5);
    const d = device(c, r, 'secret');
    const ok = await c.collect(d, ctx({ logger }));
    const wrong = 'Wr0ng-pa55-never-shown';
    const err = await c.collect(d, ctx({ password: wrong, logger })).then(
      () => assert.fail('bad password accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CollectError && err.kind === 'permanent');
    const seen = [
      JSON.stringify(ok),
      err.message,
      inspect(err, { depth: 5 }),
      JSON.stringify(err),
      ...lines,
    ].join('\n');
    assert.doesNotMatch(seen, /Pa55-w0rd|Wr0ng-pa55/);
    await c.close();
  });

  it('closes every socket on close() and refuses to poll afterwards', async () => {
    const c = newCollector();
    const routers = [sim.router(0), sim.router(1), sim.router(2)];
    await Promise.all(routers.map((r, i) => c.collect(device(c, r, `close-${i}`), ctx())));
    assert.equal(c.openConnections, 3);
    await c.close();
    assert.equal(c.openConnections, 0);
    await until(() => routers.every((r) => r.openConnections === 0));
    await assert.rejects(
      c.collect(device(c, sim.router(0), 'late'), ctx()),
      code('transient', 'ROS_CLOSED'),
    );
  });

  it('leaves no socket or timer behind after close(), even with commands in flight', async () => {
    const count = (kinds: string[]) =>
      process.getActiveResourcesInfo().filter((k) => kinds.includes(k)).length;
    const own = await RouterOsSimulator.start({ routers: 2, defaults: { users } });
    const baseline = count(['TCPSocketWrap', 'TCPServerWrap', 'Timeout']);
    const c = newCollector();
    const [a, b] = [own.router(0), own.router(1)];
    await c.collect(device(c, a, 'leak-a'), ctx());
    b.faults = { stall: ['/interface'] };
    const inFlight = c.collect(device(c, b, 'leak-b'), ctx());
    await until(() => b.stats.commands >= 5);
    await c.close();
    await assert.rejects(inFlight, code('transient', 'ROS_CLOSED'));
    await own.close();
    await until(() => count(['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) <= baseline - 2);
  });

  it('polls over api-ssl with a pinned fingerprint, and fails permanently on another', async () => {
    const cert = generateSelfSignedCertificate();
    const tlsSim = await RouterOsSimulator.start({ routers: 1, tls: cert, defaults: { users } });
    const c = newCollector();
    try {
      const r = tlsSim.router(0);
      const pinned = {
        transport: 'api-ssl',
        tls: { mode: 'fingerprint', fingerprint: cert.fingerprint256 },
      };
      const data = (await c.collect(device(c, r, 'ssl', pinned), ctx())).data as {
        transport: string;
      };
      assert.equal(data.transport, 'api-ssl');
      const wrongPin = {
        transport: 'api-ssl',
        tls: { mode: 'fingerprint', fingerprint: '00'.repeat(32) },
      };
      await assert.rejects(
        c.collect(device(c, r, 'ssl2', wrongPin), ctx()),
        code('permanent', 'ROS_TLS_FINGERPRINT'),
      );
      await assert.rejects(
        c.collect(device(c, r, 'ssl3', { transport: 'api-ssl' }), ctx()),
        code('permanent', 'ROS_TLS_VERIFY'),
      );
    } finally {
      await c.close();
      await tlsSim.close();
    }
  });
});
