import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CollectError } from '@pollfleet/core';
import { RouterOsConnection, RouterOsTrapError } from '@pollfleet/collector-routeros';
import type { RouterOsConnectionOptions } from '@pollfleet/collector-routeros';
import { RouterOsSimulator } from '@pollfleet/testing/routeros-simulator';
import type { SimulatedRouter } from '@pollfleet/testing/routeros-simulator';

const PASSWORD = 'secret';

async function connect(
  r: SimulatedRouter,
  extra: Partial<RouterOsConnectionOptions> = {},
  password = PASSWORD,
  user = 'admin',
): Promise<RouterOsConnection> {
  const c = await RouterOsConnection.open({ host: r.host, port: r.port, ...extra });
  try {
    await c.login(user, password);
  } catch (err) {
    c.close();
    throw err;
  }
  return c;
}

function isCollectError(kind: 'transient' | 'permanent', code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof CollectError, `expected a CollectError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.kind, kind);
    return true;
  };
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('RouterOS API client against the simulator', () => {
  let sim: RouterOsSimulator;
  const v7 = () => sim.router(0);
  const v6 = () => sim.router(1);
  before(async () => {
    sim = await RouterOsSimulator.start({
      routers: [
        { version: '7.18.2' },
        { version: '6.49.10' },
        { version: '6.40.9' },
        { users: { admin: { password: PASSWORD }, viewer: { password: 'pw', api: false } } },
      ],
    });
  });
  after(() => sim.close());

  it('logs in and multiplexes several tagged commands on one connection', async () => {
    const c = await connect(v7());
    const [res, id, ifs, health] = await Promise.all([
      c.command(['/system/resource/print']),
      c.command(['/system/identity/print']),
      c.command(['/interface/print', '=.proplist=name,rx-byte']),
      c.command(['/system/health/print']),
    ]);
    assert.match(res.items[0]?.['version'] ?? '', /^7\.18\.2/);
    assert.equal(id.items[0]?.['name'], `sim-${v7().port}`);
    assert.equal(ifs.items.length, 4);
    assert.deepEqual(Object.keys(ifs.items[0] ?? {}), ['name', 'rx-byte']);
    assert.equal(health.items.length, 5);
    assert.equal(c.pendingCount, 0);
    c.close();
    assert.equal(c.usable, false);
  });

  it('treats !empty (RouterOS 7.18+) as an empty print and still waits for !done', async () => {
    const c7 = await connect(v7());
    const r7 = await c7.command(['/ppp/active/print']);
    assert.deepEqual(r7.items, []);
    assert.equal(r7.empty, true);
    const c6 = await connect(v6());
    const r6 = await c6.command(['/ppp/active/print']);
    assert.deepEqual(r6.items, []);
    assert.equal(r6.empty, false);
    // The connection is still in step: the next command gets its own reply.
    assert.equal((await c7.command(['/system/identity/print'])).items.length, 1);
    c7.close();
    c6.close();
  });

  it('rejects a !trap with its category and keeps the connection', async () => {
    v7().faults = { trap: ['/ip/address'] };
    const c = await connect(v7());
    try {
      await assert.rejects(c.command(['/ip/address/print']), (e: unknown) => {
        assert.ok(e instanceof RouterOsTrapError);
        assert.equal(e.category, 1);
        assert.equal(e.kind, 'transient');
        return true;
      });
      await assert.rejects(c.command(['/nonsense/print']), /no such command prefix/);
      assert.equal(c.usable, true);
      assert.equal((await c.command(['/system/identity/print'])).items.length, 1);
    } finally {
      v7().faults = {};
      c.close();
    }
  });

  it('classifies bad credentials, a missing api policy and pre-6.43 routers as permanent', async () => {
    await assert.rejects(connect(v7(), {}, 'wrong-pass-123'), (e: unknown) => {
      isCollectError('permanent', 'ROS_AUTH_FAILED')(e);
      assert.doesNotMatch((e as Error).message, /wrong-pass-123/);
      return true;
    });
    await assert.rejects(
      connect(sim.router(3), {}, 'pw', 'viewer'),
      isCollectError('permanent', 'ROS_PERMISSION_DENIED'),
    );
    await assert.rejects(connect(sim.router(2)), (e: unknown) => {
      isCollectError('permanent', 'ROS_UNSUPPORTED_VERSION')(e);
      assert.match((e as Error).message, /6\.43/);
      return true;
    });
    v7().faults = { rejectLogin: true };
    await assert.rejects(connect(v7()), isCollectError('permanent', 'ROS_AUTH_FAILED'));
    v7().faults = {};
  });

  it('classifies a refused connection as transient', async () => {
    const port = await closedPort();
    await assert.rejects(
      RouterOsConnection.open({ host: '127.0.0.1', port }),
      isCollectError('transient', 'ROS_CONNECT_REFUSED'),
    );
  });

  it('cancels a timed-out tagged command with /cancel and keeps using the connection', async () => {
    const r = v6();
    r.faults = { stall: ['/interface'] };
    const cancelsBefore = r.stats.cancels;
    const c = await connect(r, { commandTimeoutMs: 150 });
    try {
      await assert.rejects(
        c.command(['/interface/print']),
        isCollectError('transient', 'ROS_COMMAND_TIMEOUT'),
      );
      const id = await c.command(['/system/identity/print']);
      assert.equal(id.items.length, 1);
      assert.equal(r.stats.cancels, cancelsBefore + 1);
      assert.equal(c.usable, true);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('detects a hung connection (a /cancel that is never answered) and drops it', async () => {
    const r = v6();
    const c = await connect(r, { commandTimeoutMs: 100, cancelTimeoutMs: 100 });
    r.faults = { hangAfterLogin: true };
    try {
      await assert.rejects(
        c.command(['/system/resource/print']),
        isCollectError('transient', 'ROS_COMMAND_TIMEOUT'),
      );
      while (c.usable) await new Promise((res) => setTimeout(res, 20));
      await assert.rejects(c.command(['/system/identity/print']), /hung/);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('times out a login on a router that accepts and then hangs', async () => {
    const r = v6();
    r.faults = { hangAfterAccept: true };
    try {
      await assert.rejects(
        connect(r, { commandTimeoutMs: 100, cancelTimeoutMs: 50 }),
        isCollectError('transient', 'ROS_LOGIN_TIMEOUT'),
      );
    } finally {
      r.faults = {};
    }
  });

  it('fails pending commands when the router drops the connection mid-reply', async () => {
    const r = v7();
    const c = await connect(r);
    r.faults = { dropMidReply: true };
    try {
      await assert.rejects(
        c.command(['/interface/print']),
        isCollectError('transient', 'ROS_CONNECTION_RESET'),
      );
      assert.equal(c.usable, false);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('fails the connection on malformed length bytes', async () => {
    const r = v7();
    const c = await connect(r);
    r.faults = { malformedLength: true };
    try {
      await assert.rejects(
        Promise.all([c.command(['/interface/print']), c.command(['/system/resource/print'])]),
        isCollectError('transient', 'ROS_PROTOCOL'),
      );
      assert.equal(c.usable, false);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('reports !fatal with the router’s reason', async () => {
    const r = v7();
    const c = await connect(r);
    r.faults = { fatal: true };
    try {
      await assert.rejects(c.command(['/system/resource/print']), (e: unknown) => {
        isCollectError('transient', 'ROS_FATAL')(e);
        assert.match((e as Error).message, /out of memory/);
        return true;
      });
      assert.equal(c.usable, false);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('honours an abort signal: rejects at once with its reason and cancels on the router', async () => {
    const r = v7();
    r.faults = { stall: ['/interface'] };
    const c = await connect(r);
    try {
      const ac = new AbortController();
      const p = c.command(['/interface/print'], { signal: ac.signal });
      const reason = CollectError.transient('POLL_TIMEOUT', 'poll did not finish');
      ac.abort(reason);
      await assert.rejects(p, (e: unknown) => e === reason);
      assert.equal((await c.command(['/system/identity/print'])).items.length, 1);
    } finally {
      r.faults = {};
      c.close();
    }
  });

  it('waits for slow replies within the timeout', async () => {
    const r = v6();
    r.faults = { slowReplyMs: 30 };
    try {
      const c = await connect(r);
      assert.equal((await c.command(['/system/identity/print'])).items.length, 1);
      c.close();
    } finally {
      r.faults = {};
    }
  });
});
