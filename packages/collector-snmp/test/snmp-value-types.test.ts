import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SNMP_PROFILE,
  decodeValue,
  parseSnmpProfile,
  SnmpProfileError,
} from '@pollfleet/collector-snmp';
import type { SnmpCollector, SnmpValueType } from '@pollfleet/collector-snmp';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector } from './helpers.js';

const OCTET_STRING = 4;
const OPAQUE = 68;
const str = (b: Buffer, type?: SnmpValueType) =>
  decodeValue({ oid: '1.3.6.1', type: OCTET_STRING, value: b }, type);
const hx = (h: string) => Buffer.from(h.replace(/[: ]/g, ''), 'hex');

describe('octet strings by declared type', () => {
  const zurich = 'Rack 7, Row 3 – Zürich';

  it('text: valid UTF-8 is text (not hex), invalid falls back to hex, trailing NULs dropped', () => {
    assert.equal(str(Buffer.from(zurich, 'utf8'), 'text'), zurich);
    assert.equal(str(Buffer.from('Grüße', 'utf8')), 'Grüße', 'untyped printable UTF-8 too');
    assert.deepEqual(str(hx('52 c3 28'), 'text'), { hex: '52c328' }, 'invalid UTF-8');
    assert.deepEqual(str(Buffer.from('Z\xfcrich', 'latin1'), 'text'), { hex: '5afc72696368' });
    assert.equal(str(Buffer.from('eth0\0\0', 'latin1'), 'text'), 'eth0');
    assert.equal(str(Buffer.alloc(0), 'text'), '');
  });

  it('mac: always aa:bb:cc:dd:ee:ff, even when the bytes happen to be printable; empty is ""', () => {
    assert.equal(str(hx('2a:3a:4b:5c:6d:7e'), 'mac'), '2a:3a:4b:5c:6d:7e');
    assert.equal(str(hx('00:1B:21:0A:ff:01'), 'mac'), '00:1b:21:0a:ff:01');
    assert.equal(str(Buffer.alloc(0), 'mac'), '');
    // Untyped, the same bytes look like text: the reason for the hint.
    assert.equal(str(hx('2a:3a:4b:5c:6d:7e')), '*:K\\m~');
  });

  it('hex: always { hex }; untyped binary is { hex }', () => {
    assert.deepEqual(str(Buffer.from('abc'), 'hex'), { hex: '616263' });
    assert.deepEqual(str(hx('00 01 02')), { hex: '000102' });
    assert.deepEqual(str(hx('41 07 42')), { hex: '410742' }, 'a control character');
  });

  it('ip: 4 bytes dotted, 16 bytes as RFC 5952 IPv6, other lengths hex', () => {
    assert.equal(str(hx('c0 00 02 01'), 'ip'), '192.0.2.1');
    assert.equal(str(hx('20010db8000000000000000000000001'), 'ip'), '2001:db8::1');
    assert.equal(str(hx('00000000000000000000000000000001'), 'ip'), '::1');
    assert.equal(str(hx('20010db8000100000000000100000001'), 'ip'), '2001:db8:1::1:0:1');
    assert.equal(str(hx('fe800000000000000000000000000000'), 'ip'), 'fe80::');
    assert.deepEqual(str(hx('0102'), 'ip'), { hex: '0102' });
  });

  it('UCD Opaque float and double are numbers; other Opaque stays hex', () => {
    const f = Buffer.concat([hx('9f7804'), Buffer.alloc(4)]);
    f.writeFloatBE(0.15, 3);
    assert.equal(decodeValue({ oid: '1', type: OPAQUE, value: f }), 0.15);
    const d = Buffer.concat([hx('9f7908'), Buffer.alloc(8)]);
    d.writeDoubleBE(1.25, 3);
    assert.equal(decodeValue({ oid: '1', type: OPAQUE, value: d }), 1.25);
    assert.deepEqual(decodeValue({ oid: '1', type: OPAQUE, value: hx('0401ff') }), {
      hex: '0401ff',
    });
  });
});

describe('profile type hints', () => {
  it('are kept, and the default profile declares the textual and MAC columns', () => {
    const p = parseSnmpProfile({
      scalars: [{ name: 'loc', oid: '1.3.6.1.2.1.1.6.0', type: 'text' }],
      tables: [{ name: 't', columns: [{ name: 'mac', oid: '1.3.6.1.2.1.2.2.1.6', type: 'mac' }] }],
    });
    assert.equal(p.scalars[0]!.type, 'text');
    assert.equal(p.tables[0]!.columns[0]!.type, 'mac');
    const cols = new Map(
      DEFAULT_SNMP_PROFILE.tables.flatMap((t) => t.columns.map((c) => [c.name, c.type])),
    );
    for (const n of ['ifDescr', 'ifName', 'ifAlias', 'hrStorageDescr'])
      assert.equal(cols.get(n), 'text', n);
    assert.equal(cols.get('ifPhysAddress'), 'mac');
    for (const s of DEFAULT_SNMP_PROFILE.scalars) {
      if (['sysDescr', 'sysName', 'sysLocation', 'sysContact'].includes(s.name))
        assert.equal(s.type, 'text');
    }
  });

  it('an unknown type is refused naming the profile, table and column', () => {
    assert.throws(
      () =>
        parseSnmpProfile(
          {
            tables: [
              { name: 'ifs', columns: [{ name: 'addr', oid: '1.3.6.1.2.1.2.2.1.6', type: 'MAC' }] },
            ],
          },
          'profile "edge"',
        ),
      (e: unknown) =>
        e instanceof SnmpProfileError &&
        e.field === 'profile "edge".tables[0].columns[0].type' &&
        /column "addr" of table "ifs"/.test(e.message) &&
        /text, hex, mac, ip/.test(e.message),
    );
    assert.throws(
      () => parseSnmpProfile({ scalars: [{ name: 'x', oid: '1.3.6.1.2.1.1.5.0', tpye: 'text' }] }),
      (e: unknown) => e instanceof SnmpProfileError && e.field === 'profile.scalars[0].tpye',
    );
  });
});

describe('value types against a real snmpd', () => {
  const location = 'Rack 7, Row 3 – Zürich';
  let agent: SnmpAgent;
  let collector: SnmpCollector;
  before(async () => {
    agent = await startSnmpAgent({ extraConfig: [`sysLocation ${location}`, 'load 12 10 5'] });
    collector = makeCollector();
  });
  after(async () => {
    await collector.close();
    await agent.stop();
  });

  it('default profile: UTF-8 sysLocation as text, every ifPhysAddress as aa:bb:.. or ""', async () => {
    for (const version of ['2c', '1'] as const) {
      const r = await collector.collect(
        device(collector, agent.port, { version }, { id: `vt-${version}` }),
        context(),
      );
      assert.equal(r.data.scalars.sysLocation, location, version);
      const rows = Object.values(r.data.tables.interfaces ?? {});
      assert.ok(rows.length > 0);
      for (const row of rows) {
        assert.equal(typeof row.ifPhysAddress, 'string', JSON.stringify(row.ifPhysAddress));
        assert.match(
          row.ifPhysAddress as string,
          /^([0-9a-f]{2}(:[0-9a-f]{2})*)?$/,
          JSON.stringify(row.ifPhysAddress),
        );
        assert.equal(typeof row.ifDescr, 'string');
      }
    }
  });

  it('UCD laLoadFloat (Opaque float) is a number', async () => {
    const profile = {
      tables: [
        {
          name: 'load',
          columns: [
            { name: 'names', oid: '1.3.6.1.4.1.2021.10.1.2' },
            { name: 'float', oid: '1.3.6.1.4.1.2021.10.1.6' },
          ],
        },
      ],
    };
    const r = await collector.collect(
      device(collector, agent.port, { profile }, { id: 'vt-la' }),
      context(),
    );
    const rows = Object.values(r.data.tables.load ?? {});
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(typeof row.float, 'number', JSON.stringify(row));
      assert.ok((row.float as number) >= 0);
    }
  });
});
