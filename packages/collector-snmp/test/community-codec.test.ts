import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  BerError,
  CommunitySession,
  decodeMessage,
  encodeRequest,
  peekRequestId,
  PduTag,
  UdpSocketPool,
} from '@pollfleet/collector-snmp';
import type { SnmpVarbind } from '@pollfleet/collector-snmp';
import { testLogger } from '@pollfleet/testing';
import { SNMP_AGENT_SECRETS as S, startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';

// net-snmp's types are the collector's own (src/net-snmp.d.ts); the few used here:
type Cb = (e: Error | null, v?: unknown) => void;
interface NetSnmpSession {
  get(oids: string[], cb: Cb): void;
  getNext(oids: string[], cb: Cb): void;
  getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: Cb): void;
  close(): void;
  on(ev: string, fn: () => void): void;
}
interface NetSnmp {
  createSession(host: string, community: string, o: object): NetSnmpSession;
  Version1: number;
  Version2c: number;
  ErrorStatus: Record<string, number>;
  RequestTimedOutError: new (m: string) => Error;
  RequestFailedError: new (m: string, s: number) => Error & { status: number };
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

// mulberry32: a 32-bit PRNG that stays exact in doubles.
function prng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** A stand-in for net-snmp's UDP socket: keeps what net-snmp sends, delivers what we feed it. */
class CaptureSocket extends EventEmitter {
  sent: Buffer[] = [];
  send(buf: Buffer, _o: number, _l: number, _p: number, _a: string, cb?: () => void): void {
    this.sent.push(Buffer.from(buf));
    cb?.();
  }
  bind(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  close(): void {
    this.emit('close');
  }
}

function netSnmpSession(community: string, version: number) {
  const sock = new CaptureSocket();
  const session = snmp.createSession('127.0.0.1', community, {
    version,
    retries: 0,
    timeout: 60_000,
    dgramModule: { createSocket: () => sock },
  });
  session.on('error', () => undefined);
  return { sock, session };
}

const OID_SETS: string[][] = [
  ['1.3.6.1.2.1.1.3.0'],
  ['1.3.6.1.2.1.2.2.1.10', '1.3.6.1.2.1.31.1.1.1.6', '1.3.6.1.2.1.2.2.1.2'],
  ['0.0', '1.39.127.128.16383.16384.2097151.2097152', '2.47.4294967295'],
  Array.from({ length: 40 }, (_, i) => `1.3.6.1.4.1.9.9.${i}.1.1.1.${i * 1000}`),
  [`1.3.6.1.4.1.${Array.from({ length: 60 }, (_, i) => i * 300).join('.')}`], // varbind > 127 bytes
];

describe('the v1/v2c codec', () => {
  it('encodes GET, GETNEXT and GETBULK byte for byte as net-snmp does', () => {
    let compared = 0;
    for (const version of [snmp.Version1, snmp.Version2c]) {
      for (const community of ['public', 'c'.repeat(200), 'x']) {
        for (const oids of OID_SETS) {
          const calls: [number, number, number, (s: NetSnmpSession) => void][] = [
            [PduTag.GetRequest, 0, 0, (s) => s.get(oids, () => undefined)],
            [PduTag.GetNextRequest, 0, 0, (s) => s.getNext(oids, () => undefined)],
          ];
          if (version === snmp.Version2c) {
            calls.push([
              PduTag.GetBulkRequest,
              1,
              25,
              (s) => s.getBulk(oids, 1, 25, () => undefined),
            ]);
            calls.push([
              PduTag.GetBulkRequest,
              0,
              300,
              (s) => s.getBulk(oids, 0, 300, () => undefined),
            ]);
          }
          for (const [pduTag, a, b, call] of calls) {
            const { sock, session } = netSnmpSession(community, version);
            call(session);
            const theirs = sock.sent[0]!;
            const requestId = peekRequestId(theirs)!;
            const ours = encodeRequest({
              version: version === snmp.Version1 ? 0 : 1,
              community: Buffer.from(community),
              pduTag,
              requestId,
              a,
              b,
              oids,
            });
            assert.equal(ours.toString('hex'), theirs.toString('hex'), `${pduTag} ${oids[0]}`);
            session.close();
            compared++;
          }
        }
      }
    }
    assert.equal(compared, 2 * 3 * OID_SETS.length * 2 + 3 * OID_SETS.length * 2);
  });

  it('decodes what it encodes: 20 000 random OIDs, exact past where asn1-ber wraps (2^32, first arc >= 128)', () => {
    const rnd = prng(3);
    const arc = (): number =>
      [rnd(10), rnd(200), rnd(70_000), rnd(2 ** 31) * 4 + rnd(4), 2 ** 53 - 1 - rnd(9)][rnd(5)]!;
    for (let k = 0; k < 20_000; k++) {
      const first = rnd(3);
      const second = first < 2 ? rnd(40) : rnd(100_000);
      const oids = Array.from({ length: 1 + rnd(5) }, () =>
        [first, second, ...Array.from({ length: rnd(20) }, arc)].join('.'),
      );
      const m = decodeMessage(
        encodeRequest({
          version: 1,
          community: Buffer.from('x'),
          pduTag: PduTag.GetNextRequest,
          requestId: 1 + rnd(2 ** 31 - 1),
          a: 0,
          b: 0,
          oids,
        }),
      );
      assert.deepEqual(
        m.varbinds.map((v) => [v.oid, v.type, v.value]),
        oids.map((o) => [o, 5, null]),
      );
    }
  });

  it('refuses an OID that is not dotted numeric, naming it', () => {
    for (const bad of ['1.3.x', '1', '', '3.1', '1.40', '1..2', '1.3.01']) {
      assert.throws(
        () =>
          encodeRequest({
            version: 1,
            community: Buffer.from('p'),
            pduTag: PduTag.GetRequest,
            requestId: 1,
            a: 0,
            b: 0,
            oids: [bad],
          }),
        (e: Error) => e instanceof TypeError && e.message.includes(`"${bad}"`),
      );
    }
  });

  describe('against a real agent', () => {
    let agent: SnmpAgent;
    let udp: Socket;
    before(async () => {
      agent = await startSnmpAgent();
      udp = createSocket('udp4');
      await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    });
    after(async () => {
      udp.close();
      await agent.stop();
    });

    /** Sends a request net-snmp encoded to the agent; feeds the reply to net-snmp and returns it. */
    async function exchange(call: (s: NetSnmpSession, cb: Cb) => void): Promise<[Buffer, unknown]> {
      const { sock, session } = netSnmpSession(S.community, snmp.Version2c);
      const theirs = new Promise<unknown>((resolve, reject) =>
        call(session, (e, v) => (e ? reject(e) : resolve(v))),
      );
      const reply = new Promise<Buffer>((r) => udp.once('message', r));
      udp.send(sock.sent[0]!, agent.port, '127.0.0.1');
      const buf = await reply;
      sock.emit('message', buf, { address: '127.0.0.1', port: agent.port });
      const value = await theirs;
      session.close();
      return [buf, value];
    }

    const strip = (vbs: SnmpVarbind[]) =>
      vbs.map((v) => ({
        oid: v.oid,
        type: v.type,
        value: Buffer.isBuffer(v.value) ? v.value.toString('hex') : v.value,
      }));

    it('decodes replies to the same varbinds, types and values as net-snmp', async () => {
      const walks = [
        ['1.3.6.1.2.1.1'],
        [
          '1.3.6.1.2.1.2.2.1.1',
          '1.3.6.1.2.1.2.2.1.2',
          '1.3.6.1.2.1.2.2.1.6',
          '1.3.6.1.2.1.2.2.1.10',
        ],
        ['1.3.6.1.2.1.31.1.1.1.6', '1.3.6.1.2.1.31.1.1.1.15', '1.3.6.1.2.1.4.20.1.1'],
        ['1.3.6.1.2.1.25.2.3.1', '1.3.6.1.2.1.25.3.3.1.2', '1.3.6.1.6.3.10.2.1.1'],
        ['2.1'], // past the end of the MIB: endOfMibView
      ];
      let varbinds = 0;
      const types = new Set<number>();
      for (const oids of walks) {
        const [buf, value] = await exchange((s, cb) => s.getBulk(oids, 0, 30, cb));
        const m = decodeMessage(buf);
        assert.equal(m.pduTag, PduTag.Response);
        assert.equal(m.errorStatus, 0);
        assert.equal(m.community.toString(), S.community);
        const theirs = (value as SnmpVarbind[][]).flat();
        // net-snmp regroups by column; compare as sets of (oid, type, value).
        const key = (v: ReturnType<typeof strip>[number]) => JSON.stringify(v);
        assert.deepEqual(strip(m.varbinds).map(key).sort(), strip(theirs).map(key).sort());
        varbinds += m.varbinds.length;
        for (const v of m.varbinds) types.add(v.type);
      }
      const [buf, value] = await exchange((s, cb) =>
        s.get(['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.5.0', '1.3.6.1.2.1.1.99.0'], cb),
      );
      assert.deepEqual(strip(decodeMessage(buf).varbinds), strip(value as SnmpVarbind[]));
      assert.ok(varbinds > 100, `compared ${varbinds} varbinds`);
      // Integer, OctetString, OID, IpAddress, Counter32, Gauge32, TimeTicks, Counter64, endOfMibView
      for (const t of [2, 4, 6, 64, 65, 66, 67, 70, 130])
        assert.ok(types.has(t), `type ${t} seen (seen: ${[...types].join(',')})`);
    });

    it('fails a mutated or truncated reply with BerError only, 200 000 times', async () => {
      const [buf] = await exchange((s, cb) =>
        s.getBulk(['1.3.6.1.2.1.2.2.1', '1.3.6.1.2.1.1'], 0, 20, cb),
      );
      const rnd = prng(11);
      let decoded = 0;
      let rejected = 0;
      for (let k = 0; k < 200_000; k++) {
        const b = Buffer.from(buf);
        const mode = rnd(4);
        if (mode === 0) {
          for (let f = 0; f <= rnd(4); f++) {
            const at = rnd(b.length);
            b[at] = b[at]! ^ (1 << rnd(8));
          }
        } else if (mode === 1) b[rnd(b.length)] = rnd(256);
        else if (mode === 2) b[rnd(b.length)] = [0x80, 0x84, 0x85, 0xff, 0x00][rnd(5)]!;
        const input = mode === 3 ? b.subarray(0, rnd(b.length)) : b;
        try {
          const m = decodeMessage(input);
          for (const v of m.varbinds) assert.equal(typeof v.oid, 'string');
          decoded++;
        } catch (err) {
          if (!(err instanceof BerError)) throw err;
          rejected++;
        }
      }
      assert.ok(decoded > 1000 && rejected > 1000, `decoded ${decoded}, rejected ${rejected}`);
      // And random datagrams.
      for (let k = 0; k < 20_000; k++) {
        const b = Buffer.from(Array.from({ length: rnd(64) }, () => rnd(256)));
        if (rnd(2)) b[0] = 0x30;
        try {
          decodeMessage(b);
        } catch (err) {
          if (!(err instanceof BerError)) throw err;
        }
      }
    });

    it('a session retries a silent agent `retries` times, then fails with RequestTimedOutError', async () => {
      const silent = createSocket('udp4');
      await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
      let received = 0;
      silent.on('message', () => received++);
      const pool = new UdpSocketPool(testLogger(), {
        socketCount: 1,
        receiveBufferBytes: 1 << 20,
        acceptRepliesFromAnyAddress: true,
      });
      const s = new CommunitySession(pool.attach('127.0.0.1', silent.address().port), {
        address: '127.0.0.1',
        port: silent.address().port,
        version: '2c',
        community: S.community,
        timeoutMs: 100,
        retries: 2,
      });
      const err = await new Promise<Error | null>((r) => s.get(['1.3.6.1.2.1.1.3.0'], r));
      assert.ok(err instanceof snmp.RequestTimedOutError);
      assert.equal(received, 3);
      assert.equal(Object.keys(s.reqs).length, 0);
      s.close();
      silent.close();
      await pool.close();
    });

    it('a session reports an error-status as RequestFailedError with the status and OID', async () => {
      const pool = new UdpSocketPool(testLogger(), {
        socketCount: 1,
        receiveBufferBytes: 1 << 20,
        acceptRepliesFromAnyAddress: true,
      });
      const s = new CommunitySession(pool.attach('127.0.0.1', agent.port), {
        address: '127.0.0.1',
        port: agent.port,
        version: '1',
        community: S.community,
        timeoutMs: 2000,
        retries: 0,
      });
      // v1: a missing object fails the whole PDU with noSuchName(2) at its index.
      const err = await new Promise<Error | null>((r) =>
        s.get(['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.99.0'], r),
      );
      assert.ok(err instanceof snmp.RequestFailedError, String(err));
      assert.equal(err.status, snmp.ErrorStatus.NoSuchName);
      assert.match(err.message, /1\.3\.6\.1\.2\.1\.1\.99\.0/);
      const ok = await new Promise<[Error | null, unknown]>((r) =>
        s.get(['1.3.6.1.2.1.1.5.0'], (e, v) => r([e, v])),
      );
      assert.equal(ok[0], null);
      s.close();
      await pool.close();
    });
  });
});
