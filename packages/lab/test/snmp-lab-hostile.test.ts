import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { SnmpLab, unitHash } from '@pollfleet/lab';
import type { SnmpLabDevice } from '@pollfleet/lab';
import { authArgs, FORMAT, parse, target, tool } from './helpers.js';

describe('SnmpLab under hostile input', () => {
  const lab = new SnmpLab({
    devices: [
      { name: 'v2c', interfaces: 50, community: 'public', seed: 1 },
      { name: 'v3', v3: { user: 'u', authKey: 'authpass1', privKey: 'privpass1' }, seed: 2 },
    ],
  });
  let devices: readonly SnmpLabDevice[];
  before(async () => {
    await lab.start();
    devices = lab.devices();
  });
  after(() => lab.stop());

  it('survives random and truncated datagrams, then still answers', async () => {
    const sock = dgram.createSocket('udp4');
    const valid = Buffer.from(
      '302602010104067075626c6963a01902047a69d3f6020100020100300b300906052b06010201050',
      'hex',
    );
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(unitHash(i, 0, 1) * 200);
      const b =
        i % 2 === 0
          ? Buffer.from(Array.from({ length: len }, (_, k) => Math.floor(unitHash(i, k, 2) * 256)))
          : valid.subarray(0, Math.floor(unitHash(i, 0, 3) * valid.length));
      for (const d of devices) sock.send(b, d.port, '127.0.0.1');
    }
    await new Promise<void>((res) => sock.close(() => res()));
    for (const d of devices) {
      const r = await tool('snmpget', [...authArgs(d), ...FORMAT, target(d), '1.3.6.1.2.1.1.5.0']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Buffer.from(parse(r.stdout)[0]!.value, 'hex').toString(), d.name);
    }
  });

  it('caps a GETBULK of max-repetitions 100000 at 1000 varbinds, in order', async () => {
    const d = devices[0]!;
    const r = await tool('snmpbulkget', [
      ...authArgs(d),
      ...FORMAT,
      '-Cr100000',
      target(d),
      '1.3.6.1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = parse(r.stdout);
    assert.equal(got.length, 1000);
  });
});
