import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError } from '@pollfleet/core';
import { resolveSnmpCollectorOptions, UdpSocketPool, udpEndpoint } from '@pollfleet/collector-snmp';
import type { VirtualSocket } from '@pollfleet/collector-snmp';
import { testLogger } from '@pollfleet/testing';

// The pool without net-snmp: a "session" here sends a v2c PDU with a chosen request id and, as
// net-snmp does, holds the id in `pending` from the send callback until a reply with it arrives.
// The agent echoes each request back, from the polled socket or from another address.

function pdu(id: number): Buffer {
  const idb = Buffer.alloc(4);
  idb.writeInt32BE(id);
  const body = Buffer.concat([
    Buffer.from([0x02, 0x04]),
    idb,
    Buffer.from([0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x00]),
  ]);
  const msg = Buffer.concat([
    Buffer.from([0x02, 0x01, 0x01, 0x04, 0x01, 0x78, 0xa2, body.length]),
    body,
  ]);
  return Buffer.concat([Buffer.from([0x30, msg.length]), msg]);
}

class FakeSession {
  readonly pending: Record<string, true> = {};
  readonly got: number[] = [];
  readonly #waiters = new Map<number, () => void>();
  constructor(readonly vsock: VirtualSocket) {
    vsock.pending = this.pending;
    vsock.on('message', (msg: Buffer) => {
      const id = msg.readInt32BE(12);
      if (!(id in this.pending)) return; // net-snmp ignores ids it is not waiting for
      delete this.pending[id];
      this.got.push(id);
      this.#waiters.get(id)?.();
    });
  }
  /** Sends a request; resolves once it is on the wire (net-snmp then registers it). */
  async send(id: number): Promise<void> {
    const { port, address } = this.vsock.target;
    const b = pdu(id);
    await new Promise<void>((resolve, reject) =>
      this.vsock.send(b, 0, b.length, port, address, (err) => {
        if (err) return reject(err);
        this.pending[id] = true;
        resolve();
      }),
    );
  }
  reply(id: number): Promise<void> {
    return new Promise((resolve) => this.#waiters.set(id, resolve));
  }
  /** The owner gave up on `id` (a timeout): net-snmp deletes it from `reqs`. */
  timeout(id: number): void {
    delete this.pending[id];
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function bound(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

describe('UdpSocketPool: replies from an address no session polls', () => {
  let polled: Socket[]; // two agents' polled addresses, 127.0.0.1
  let other: Socket; // the agents' other interface, 127.0.0.2
  let received: number; // requests the agents got so far
  let echoes: number; // requests echoed so far
  let echoFrom: 'other' | 'self' | 'hold' | 'drop';
  let held: [Socket, Buffer, RemoteInfo][];
  let client: RemoteInfo | undefined; // the pool's socket, as the agents see it

  beforeEach(async () => {
    polled = [await bound('127.0.0.1'), await bound('127.0.0.1')];
    other = await bound('127.0.0.2');
    received = echoes = 0;
    echoFrom = 'other';
    held = [];
    for (const s of polled) {
      s.on('message', (m: Buffer, r: RemoteInfo) => {
        received++;
        client = r;
        if (echoFrom === 'hold') held.push([s, m, r]);
        else if (echoFrom !== 'drop')
          (echoFrom === 'other' ? other : s).send(m, r.port, r.address, () => echoes++);
      });
    }
  });
  afterEach(() => {
    for (const s of [...polled, other]) s.close();
  });

  const pool = (acceptRepliesFromAnyAddress = true): UdpSocketPool =>
    new UdpSocketPool(testLogger(), {
      socketCount: 1,
      receiveBufferBytes: 1 << 20,
      acceptRepliesFromAnyAddress,
    });
  const session = (p: UdpSocketPool, agent: number): FakeSession =>
    new FakeSession(p.attach('127.0.0.1', polled[agent]!.address().port));
  /** Resolves once every datagram `other` sent so far has been handled by the pool. */
  const drained = async (p: FakeSession): Promise<void> => {
    const sentinel = 99_999_999;
    const r = p.reply(sentinel);
    await p.send(sentinel); // echoed from `other` after everything before it, in order
    await r;
  };

  it('routes each reply to the one session waiting for its request id', async () => {
    const p = pool();
    try {
      const a = session(p, 0);
      const b = session(p, 1);
      const replies = [a.reply(11), b.reply(22), a.reply(12)];
      await Promise.all([a.send(11), b.send(22), a.send(12)]);
      await Promise.all(replies);
      assert.deepEqual(a.got.sort(), [11, 12]);
      assert.deepEqual(b.got, [22]);
    } finally {
      await p.close();
    }
  });

  it('drops a reply two sessions wait for (same id), never guessing', async () => {
    const p = pool();
    try {
      const a = session(p, 0);
      const b = session(p, 1);
      const witness = session(p, 0);
      await Promise.all([a.send(7), b.send(7)]);
      while (echoes < 2) await tick();
      await drained(witness);
      assert.deepEqual([a.got, b.got], [[], []]);
    } finally {
      await p.close();
    }
  });

  it('never hands a polled agent’s reply to another session waiting for the same id', async () => {
    const p = pool();
    try {
      const late = session(p, 0); // its request 5 times out; the reply comes back after
      const waiting = session(p, 1); // another agent's session, drew 5 too, not answered yet
      echoFrom = 'hold';
      await late.send(5);
      late.timeout(5);
      await waiting.send(5);
      while (received < 2) await tick();
      echoFrom = 'self';
      for (const [s, m, r] of held.filter(([s]) => s === polled[0])) s.send(m, r.port, r.address);
      const marker = late.reply(6);
      await late.send(6); // same path as the late reply, after it
      await marker;
      assert.deepEqual(waiting.got, [], "agent 0's late reply went to agent 1's session");
      assert.deepEqual(late.got, [6]);
    } finally {
      await p.close();
    }
  });

  it('keeps the request-id index bounded and ignores stray datagrams', async () => {
    const p = pool();
    try {
      const a = session(p, 0);
      for (let id = 1; id <= 200; id++) {
        const r = a.reply(id);
        await a.send(id);
        await r;
      }
      assert.equal(p.indexedRequestIds, 0, 'delivered ids leave the index');
      echoFrom = 'drop';
      await a.send(500); // never answered
      while (received < 201) await tick();
      a.timeout(500);
      assert.equal(p.indexedRequestIds, 1, 'held until the session sends again');
      echoFrom = 'other';
      // A stray datagram with a random id from an unknown address reaches no one.
      other.send(pdu(123_456), client!.port, client!.address);
      await drained(a);
      assert.equal(p.indexedRequestIds, 0, 'the timed-out id went with the next send');
      assert.deepEqual(a.got.includes(123_456), false);
      a.vsock.close();
      assert.equal(p.indexedRequestIds, 0);
    } finally {
      await p.close();
    }
  });

  it('with acceptRepliesFromAnyAddress false, such replies are dropped and nothing is indexed', async () => {
    const p = pool(false);
    try {
      const a = session(p, 0);
      await a.send(3);
      assert.equal(p.indexedRequestIds, 0);
      while (echoes < 1) await tick(); // answered from 127.0.0.2
      echoFrom = 'self';
      const marker = a.reply(4);
      await a.send(4);
      await marker; // from the polled address: delivered
      assert.deepEqual(a.got, [4], 'the reply from 127.0.0.2 was dropped');
    } finally {
      await p.close();
    }
  });
});

describe('udpEndpoint', () => {
  it('canonicalises addresses so keys equal the source of replies', () => {
    assert.deepEqual(udpEndpoint('0:0:0:0:0:0:0:1', 161), {
      address: '::1',
      port: 161,
      transport: 'udp6',
      key: '[::1]:161',
    });
    assert.equal(udpEndpoint('2001:DB8::0001', 1161).key, '[2001:db8::1]:1161');
    assert.equal(udpEndpoint('fe80::0001%eth0', 161).key, '[fe80::1%eth0]:161');
    assert.deepEqual(udpEndpoint('::ffff:127.0.0.1', 161), {
      address: '127.0.0.1',
      port: 161,
      transport: 'udp4',
      key: '127.0.0.1:161',
    });
    assert.equal(udpEndpoint('10.0.0.1', 161).key, '10.0.0.1:161');
  });

  it('refuses what is not an IP address or port, naming it', () => {
    assert.throws(() => udpEndpoint('router1', 161), /"router1" is not an IP address/);
    assert.throws(() => udpEndpoint('::1', 0), /UDP port 0 /);
  });
});

describe('acceptRepliesFromAnyAddress', () => {
  it('is on by default and must be a boolean', () => {
    assert.equal(resolveSnmpCollectorOptions().acceptRepliesFromAnyAddress, true);
    assert.throws(
      () =>
        resolveSnmpCollectorOptions({
          acceptRepliesFromAnyAddress: 'no' as unknown as boolean,
        }),
      (e: unknown) => e instanceof ConfigError && e.field === 'snmp.acceptRepliesFromAnyAddress',
    );
  });
});
