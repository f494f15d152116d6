import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { demoSnmpDevices, LabBindError, LabConfigError, SnmpLab } from '@pollfleet/lab';
import { authArgs, FORMAT, parse, target, tool } from './helpers.js';

function bindable(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('SnmpLab lifecycle and options', () => {
  it('names the field of a bad option', () => {
    const bad = (devices: unknown[], field: RegExp): void =>
      assert.throws(
        () => new SnmpLab({ devices: devices as never }),
        (e: unknown) => e instanceof LabConfigError && field.test(e.message),
      );
    bad([], /^devices:/);
    bad([{ name: 'a' }], /devices\[0\]: needs a community/);
    bad(
      [{ name: 'a', community: 'p', interfaces: 0 }],
      /devices\[0\]\.interfaces: must be an integer from 1/,
    );
    bad(
      [{ name: 'a', v3: { user: 'u', authKey: 'short', privKey: 'longenough' } }],
      /devices\[0\]\.v3\.authKey/,
    );
    bad(
      [
        { name: 'a', community: 'p' },
        { name: 'a', community: 'p' },
      ],
      /devices\[1\]\.name: "a" is used/,
    );
    bad([{ name: 'a', community: 'p', fault: 'broken' }], /devices\[0\]\.fault/);
  });

  it('starts the demo fleet on loopback, lists what to seed, and stop() frees every port', async () => {
    const lab = new SnmpLab({ devices: demoSnmpDevices() });
    await lab.start();
    const devices = lab.devices();
    assert.equal(devices.length, 7);
    assert.ok(devices.some((d) => d.model.spec.interfaces === 50));
    assert.ok(devices.some((d) => d.options.version === '3' && d.fault === 'none'));
    assert.deepEqual(
      new Set(devices.map((d) => d.fault)),
      new Set(['none', 'unreachable', 'wrong-credentials', 'slow']),
    );
    assert.equal(new Set(devices.map((d) => d.port)).size, devices.length, 'one port per device');
    for (const d of devices) assert.equal(d.host, '127.0.0.1');
    // With the real clock: counters grow between two reads.
    const sw = devices.find((d) => d.model.spec.interfaces === 50)!;
    const read = async (): Promise<bigint> => {
      const r = await tool('snmpget', [
        ...authArgs(sw),
        ...FORMAT,
        target(sw),
        '1.3.6.1.2.1.31.1.1.1.6.1',
      ]);
      assert.equal(r.code, 0, r.stderr);
      return BigInt(parse(r.stdout)[0]!.value);
    };
    const a = await read();
    await new Promise((res) => setTimeout(res, 5)); // the counters move within a millisecond
    const b = await read();
    assert.ok(b > a, `${b} > ${a}`);
    await lab.stop();
    for (const d of devices) assert.ok(await bindable(d.port), `port ${d.port} free after stop()`);
    await lab.stop();
  });

  it('a port already in use fails start() with LabBindError and closes the ports it had opened', async () => {
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((res) => blocker.bind(0, '127.0.0.1', () => res()));
    const taken = blocker.address().port;
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((res) => probe.bind(0, '127.0.0.1', () => res()));
    const free = probe.address().port;
    await new Promise<void>((res) => probe.close(() => res()));
    const lab = new SnmpLab({
      devices: [
        { name: 'ok', community: 'p', port: free },
        { name: 'clash', community: 'p', port: taken },
      ],
    });
    try {
      await assert.rejects(
        lab.start(),
        (e: unknown) => e instanceof LabBindError && e.port === taken,
      );
      assert.ok(await bindable(free), 'the other device closed its port');
    } finally {
      blocker.close();
    }
  });
});
