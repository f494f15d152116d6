/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- asn1-ber has no types; the test plays a raw SNMP agent */
import { createRequire } from 'node:module';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SnmpCollector } from '@pollfleet/collector-snmp';
import { context, device, makeCollector } from './helpers.js';
const asn1: any = createRequire(import.meta.url)('asn1-ber');

const IF = '1.3.6.1.2.1.2.2.1';
const UPTIME = '1.3.6.1.2.1.1.3.0';
const COUNTER32 = 0x41;
const GAUGE32 = 0x42;
const TIMETICKS = 0x43;

/** Unsigned content bytes (a leading zero when the high bit is set). */
function unsigned(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.unshift(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/**
 * A v1 agent with one interface row whose values the test sets between polls (snmpd's counters
 * cannot be cleared without restarting it): GET and GETNEXT over a sorted OID list.
 */
async function fakeAgent(values: Map<string, [number, number]>) {
  const sock = createSocket('udp4');
  const cmp = (a: string, b: string): number => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  sock.on('message', (m, from) => {
    const rd = new asn1.Ber.Reader(m);
    rd.readSequence();
    rd.readInt();
    const community = rd.readString();
    const tag = rd.peek();
    rd.readSequence(tag);
    const id = rd.readInt();
    rd.readInt();
    rd.readInt();
    rd.readSequence();
    const asked: string[] = [];
    while (rd.remain > 0) {
      rd.readSequence();
      asked.push(rd.readOID());
      rd.readByte();
      rd.readByte();
    }
    const sorted = [...values.keys()].sort(cmp);
    const answer: [string, number, number][] = [];
    let status = 0;
    let index = 0;
    asked.forEach((oid, i) => {
      const found =
        tag === 0xa0 ? (values.has(oid) ? oid : undefined) : sorted.find((o) => cmp(o, oid) > 0);
      if (found === undefined) {
        if (status === 0) [status, index] = [2, i + 1]; // noSuchName
        answer.push([oid, 0x05, 0]);
      } else answer.push([found, ...values.get(found)!]);
    });
    const w = new asn1.Ber.Writer();
    w.startSequence();
    w.writeInt(0);
    w.writeString(community);
    w.startSequence(0xa2);
    w.writeInt(id);
    w.writeInt(status);
    w.writeInt(index);
    w.startSequence();
    for (const [oid, type, v] of answer) {
      w.startSequence();
      w.writeOID(oid);
      if (type === 0x05) w.writeNull();
      else w.writeBuffer(unsigned(v), type);
      w.endSequence();
    }
    w.endSequence();
    w.endSequence();
    w.endSequence();
    sock.send(w.buffer, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return {
    port: sock.address().port,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

const PROFILE = {
  tables: [
    {
      name: 'interfaces',
      columns: [
        { name: 'ifSpeed', oid: `${IF}.5` },
        { name: 'ifInOctets', oid: `${IF}.10` },
      ],
    },
  ],
};

// The collector reads the row's speed from ifSpeed (by OID, in any profile) and hands it to the
// rate code: a Counter32 drop that a wrap would make faster than the link is a reset, no rate.
describe('counter cleared on the device (no restart)', () => {
  const values = new Map<string, [number, number]>();
  let agent: Awaited<ReturnType<typeof fakeAgent>>;
  let collector: SnmpCollector;
  before(async () => {
    agent = await fakeAgent(values);
    collector = makeCollector();
  });
  after(async () => {
    await collector.close();
    await agent.close();
  });

  const poll = async (uptime: number, inOctets: number) => {
    values.set(UPTIME, [TIMETICKS, uptime]);
    values.set(`${IF}.5.1`, [GAUGE32, 8_000_000]); // 1 MB/s
    values.set(`${IF}.10.1`, [COUNTER32, inOctets]);
    const d = device(collector, agent.port, { version: '1', profile: PROFILE }, { id: 'cleared' });
    const r = await collector.collect(d, context({ community: 'public' }));
    assert.equal(r.data.tables.interfaces?.['1']?.ifInOctets, inOctets);
    return r.data.rates;
  };

  it('a drop a wrap cannot explain gives no rate; a real wrap and normal growth do', async () => {
    assert.equal(await poll(0, 3_000_000_000), undefined);
    // Cleared to ~0 after 10 s: as a wrap, 1.3 GB in 10 s on a 1 MB/s link.
    assert.equal(await poll(1000, 1_000_000), undefined);
    assert.deepEqual(await poll(2000, 3_000_000), { interfaces: { '1': { ifInOctets: 200_000 } } });
    // A genuine wrap: 2^32 - 1e6 → 4e6 is 5 MB in 10 s.
    await poll(3000, 2 ** 32 - 1_000_000);
    assert.deepEqual(await poll(4000, 4_000_000), { interfaces: { '1': { ifInOctets: 500_000 } } });
  });
});
