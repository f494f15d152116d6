import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import net from 'node:net';
import { CollectError, Credentials, systemClock } from '@pollfleet/core';
import type { Clock, CollectContext, DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsOptions } from '@pollfleet/collector-routeros';
import {
  demoRouterOsDevices,
  generateSelfSignedCertificate,
  generatedRouterOsDevices,
  LabBindError,
  LabConfigError,
  RouterOsLab,
} from '@pollfleet/lab';
import type { RouterOsLabDevice } from '@pollfleet/lab';
import { MemorySharedState, testLogger } from '@pollfleet/testing';

// The lab's time and the collector's are one hand-moved instant (timers are real: slow replies
// and the collector's timeouts), so two polls a minute apart are two polls a minute apart.
let now = Date.UTC(2026, 5, 1, 12);
const clock: Clock = { now: () => now, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms) };

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function row(
  c: RouterOsCollector,
  d: RouterOsLabDevice,
  timeoutMs: number,
): DeviceSpec<RouterOsOptions> {
  return {
    id: d.name,
    name: d.name,
    collectorType: 'routeros',
    host: d.host,
    port: d.port,
    intervalMs: 60_000,
    timeoutMs,
    options: c.parseOptions({ ...d.options, commandTimeoutMs: timeoutMs }, d.name),
    credentialsRef: `routeros/${d.name}`,
    labels: {},
    revision: 1,
  };
}

function context(d: RouterOsLabDevice): CollectContext {
  return {
    signal: new AbortController().signal,
    credentials: new Credentials({ ...d.secret }),
    logger: testLogger(),
    scheduledFor: now,
  };
}

describe('RouterOsLab with the RouterOS collector', () => {
  const lab = new RouterOsLab({ routers: demoRouterOsDevices(120_000), clock });
  let collector: RouterOsCollector;
  const poll = (name: string, timeoutMs = 5000) => {
    const d = lab.device(name);
    return collector.collect(row(collector, d, timeoutMs), context(d));
  };

  before(async () => {
    await lab.start();
    collector = new RouterOsCollector({
      logger: testLogger(),
      clock,
      sharedState: new MemorySharedState(),
    });
  });
  after(async () => {
    await collector.close();
    await lab.stop();
  });

  it('lists the demo rows: 7.x and 6.x plain, 7.x over TLS pinned by fingerprint, and the broken ones', () => {
    const rows = lab.devices().map((d) => [d.name, d.version, d.options.transport, d.fault]);
    assert.deepEqual(rows, [
      ['lab-router-1', '7.18.2', 'api', 'none'],
      ['lab-router-2', '6.49.10', 'api', 'none'],
      ['lab-router-tls-1', '7.18.2', 'api-ssl', 'none'],
      ['lab-router-down-1', '7.18.2', 'api', 'unreachable'],
      ['lab-router-badpass-1', '7.18.2', 'api', 'wrong-credentials'],
      ['lab-router-slow-1', '6.49.10', 'api', 'slow'],
    ]);
    const tls = lab.device('lab-router-tls-1').options;
    assert.ok(tls.transport === 'api-ssl');
    assert.equal(tls.tls.fingerprint, new X509Certificate(lab.tlsCertificate!.cert).fingerprint256);
    assert.equal(new Set(lab.devices().map((d) => d.port)).size, 6);
    for (const d of lab.devices()) {
      assert.equal(d.host, '127.0.0.1');
      assert.ok(d.secret.username && d.secret.password);
    }
  });

  it('the healthy routers poll, counters grow and CPU load moves over time', async () => {
    for (const name of ['lab-router-1', 'lab-router-2', 'lab-router-tls-1']) {
      const first = (await poll(name)).data;
      assert.equal(first.system.identity, name);
      assert.equal(first.system.majorVersion, name === 'lab-router-2' ? 6 : 7);
      const loads = new Set<number | null>([first.system.cpu.loadPercent]);
      let last = first;
      for (let i = 0; i < 6; i++) {
        now += 60_000;
        last = (await poll(name)).data;
        loads.add(last.system.cpu.loadPercent);
      }
      assert.ok(loads.size > 1, `${name}: cpu-load never moved: ${[...loads].join(',')}`);
      for (const l of loads) assert.ok(l !== null && l >= 0 && l <= 100, `${name}: load ${l}`);
      const running = last.interfaces.filter((x) => x.running);
      assert.ok(running.length > 0, `${name}: no running interface`);
      for (const x of running) {
        const before = first.interfaces.find((y) => y.name === x.name)!;
        assert.ok(x.rxBytes! > before.rxBytes!, `${name} ${x.name}: rx-byte did not grow`);
        assert.ok(x.rxBitsPerSecond! > 0, `${name} ${x.name}: no rate`);
      }
    }
  });

  it('traffic rates vary between polls (not one constant rate)', async () => {
    const rates = new Set<number | null>();
    for (let i = 0; i < 5; i++) {
      now += 60_000;
      rates.add((await poll('lab-router-1')).data.interfaces[0]!.rxBitsPerSecond);
    }
    assert.ok(rates.size > 1, `one rate only: ${[...rates].join(',')}`);
  });

  it('the wrong-password router is a permanent authentication failure', async () => {
    await assert.rejects(poll('lab-router-badpass-1'), (e: unknown) => {
      assert.ok(e instanceof CollectError, String(e));
      assert.equal(e.kind, 'permanent');
      assert.equal(e.code, 'ROS_AUTH_FAILED');
      assert.ok(!e.message.includes(lab.device('lab-router-badpass-1').secret.password));
      return true;
    });
  });

  it('the slow and the unreachable routers time out, transiently', async () => {
    for (const name of ['lab-router-slow-1', 'lab-router-down-1']) {
      await assert.rejects(poll(name, 300), (e: unknown) => {
        assert.ok(e instanceof CollectError, String(e));
        assert.equal(e.kind, 'transient', `${name}: ${e.code}`);
        assert.match(e.code, /TIMEOUT/, name);
        return true;
      });
    }
  });
});

describe('RouterOsLab lifecycle and options', () => {
  it('stop() frees every port and cancels pending slow replies', async () => {
    let live = 0;
    const counting: Clock = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        live++;
        const t = systemClock.setTimeout(() => {
          live--;
          fn();
        }, ms);
        return { cancel: () => (live--, t.cancel()) };
      },
    };
    const lab = new RouterOsLab({
      routers: [...generatedRouterOsDevices(4), { name: 'slow', fault: { slowMs: 600_000 } }],
      clock: counting,
    });
    await lab.start();
    const ports = lab.devices().map((d) => d.port);
    for (const p of ports) assert.equal(await listening(p), true, `port ${p}`);
    // A login that the slow router will only answer in ten minutes: its timer is pending.
    const s = net.connect({ host: '127.0.0.1', port: lab.device('slow').port });
    await new Promise((r) => s.once('connect', r));
    s.write(Buffer.from([6, ...Buffer.from('/login'), 0]));
    while (live === 0) await new Promise((r) => setImmediate(r));
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => {});
    await lab.stop();
    await closed; // the open connection was dropped, not left to the pending reply
    assert.equal(live, 0, 'a slow reply is still pending after stop()');
    for (const p of ports) assert.equal(await listening(p), false, `port ${p} still open`);
    assert.deepEqual(lab.devices(), []);
    await lab.stop(); // twice is fine
  });

  it('a port in use is a LabBindError, and the routers already bound are closed again', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const lab = new RouterOsLab({
      routers: [
        { name: 'a', port: free },
        { name: 'b', port: taken },
      ],
    });
    try {
      await assert.rejects(lab.start(), (e: unknown) => {
        assert.ok(e instanceof LabBindError);
        assert.equal(e.port, taken);
        assert.match(e.message, /RouterOS router/);
        return true;
      });
      assert.deepEqual(lab.devices(), []);
      assert.equal(await listening(free), false, 'router a was left listening');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('bad options are a LabConfigError naming the field', () => {
    const bad = (routers: unknown[], field: string) =>
      assert.throws(
        () => new RouterOsLab({ routers: routers as never }),
        (e: unknown) => e instanceof LabConfigError && e.field === field,
        field,
      );
    bad([], 'routers');
    bad([{ name: 'a' }, { name: 'a' }], 'routers[1].name');
    bad([{ name: 'a', version: '6.40' }], 'routers[0].version');
    bad([{ name: 'a', transport: 'rest' }], 'routers[0].transport');
    bad([{ name: 'a', fault: 'on-fire' }], 'routers[0].fault');
    bad([{ name: 'a', fault: { slowMs: 0 } }], 'routers[0].fault.slowMs');
    bad([{ name: 'a', interfaces: 0 }], 'routers[0].interfaces');
    bad([{ name: 'a', credentials: { username: 'x', password: '' } }], 'routers[0].credentials');
  });
});

describe('generateSelfSignedCertificate (node:crypto, no openssl)', () => {
  it('makes a self-signed CA certificate for localhost and 127.0.0.1 that verifies itself', () => {
    const t = Date.UTC(2026, 0, 1);
    const { cert, key, fingerprint256 } = generateSelfSignedCertificate('router.test', [], t);
    const x = new X509Certificate(cert);
    assert.equal(x.subject, 'CN=router.test');
    assert.equal(x.ca, true);
    assert.ok(x.checkIssued(x) && x.verify(x.publicKey));
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(new Date(x.validFrom).getTime(), t - 60_000);
    assert.equal(new Date(x.validTo).getTime(), t + 2 * 86_400_000);
    assert.equal(x.fingerprint256, fingerprint256);
    assert.ok(x.checkPrivateKey(createPrivateKey(key)));
  });

  it('understands extendedKeyUsage and names any other extension it cannot make', () => {
    const { cert } = generateSelfSignedCertificate('c', ['extendedKeyUsage=clientAuth']);
    assert.deepEqual(new X509Certificate(cert).keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.throws(
      () => generateSelfSignedCertificate('c', ['keyUsage=digitalSignature']),
      (e: unknown) => e instanceof LabConfigError && e.field === 'extraExtensions[0]',
    );
  });
});
