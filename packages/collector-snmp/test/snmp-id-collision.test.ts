/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- asn1-ber has no types; the test plays a raw SNMP agent */
import { createRequire } from 'node:module';
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { context, device, makeCollector } from './helpers.js';
const asn1: any = createRequire(import.meta.url)('asn1-ber');

// Two device rows behind one agent endpoint (an SNMP proxy fronting several devices; here the
// same community), polled at once. net-snmp request ids are Math.random()*1e8: when two
// sessions on the same endpoint hold the same id, SocketSlot#deliver hands a reply to the first
// session that has that id pending, whoever it was for. Math.random is pinned to force the
// collision deterministically; the fake agent answers the two requests in reverse order.
it("a request-id collision on a shared endpoint never hands one device the other device's data", async () => {
  const agent = createSocket('udp4');
  const held: [Buffer, RemoteInfo][] = [];
  agent.on('message', (msg, r) => {
    held.push([msg, r]);
    if (held.length < 2) return;
    for (const [n, [m, from]] of held
      .splice(0)
      .map((h, i) => [i + 1, h] as const)
      .reverse()) {
      const rd = new asn1.Ber.Reader(m);
      rd.readSequence();
      rd.readInt();
      const community = rd.readString();
      rd.readSequence(0xa0);
      const id = rd.readInt();
      rd.readInt();
      rd.readInt();
      rd.readSequence();
      const oids: string[] = [];
      while (rd.remain > 0) {
        rd.readSequence();
        oids.push(rd.readOID());
        rd.readByte();
        rd.readByte();
      }
      const w = new asn1.Ber.Writer();
      w.startSequence();
      w.writeInt(1);
      w.writeString(community);
      w.startSequence(0xa2);
      w.writeInt(id);
      w.writeInt(0);
      w.writeInt(0);
      w.startSequence();
      for (const oid of oids) {
        w.startSequence();
        w.writeOID(oid);
        if (oid === '1.3.6.1.2.1.1.3.0') w.writeInt(100, 0x43);
        else w.writeString(`reply to request #${n}`);
        w.endSequence();
      }
      w.endSequence();
      w.endSequence();
      w.endSequence();
      agent.send(w.buffer, from.port, from.address);
    }
  });
  await new Promise<void>((r) => agent.bind(0, '127.0.0.1', () => r()));
  const port = agent.address().port;
  const c = makeCollector({ socketCount: 1 });
  const prof = (oid: string) => ({
    profile: { scalars: [{ name: 'x', oid }] },
    timeoutMs: 300,
    retries: 0,
  });
  const rnd = Math.random;
  Math.random = () => 0.123456; // both sessions draw request id 12345600
  try {
    const a = c.collect(
      device(c, port, prof('1.3.6.1.2.1.1.5.0'), { id: 'A', timeoutMs: 2000 }),
      context({ community: 'public' }),
    );
    const b = c.collect(
      device(c, port, prof('1.3.6.1.2.1.1.5.0'), { id: 'B', timeoutMs: 2000 }),
      context({ community: 'public' }),
    );
    const out = await Promise.all(
      [a, b].map((p) =>
        p.then(
          (r) => r.data.scalars,
          (e) => e.code,
        ),
      ),
    );
    Math.random = rnd;
    // A asked first. Each either gets its own reply or fails transiently; never the other's.
    assert.ok(
      [JSON.stringify({ x: 'reply to request #1' }), '"SNMP_TIMEOUT"'].includes(
        JSON.stringify(out[0]),
      ),
      JSON.stringify(out),
    );
    assert.ok(
      [JSON.stringify({ x: 'reply to request #2' }), '"SNMP_TIMEOUT"'].includes(
        JSON.stringify(out[1]),
      ),
      JSON.stringify(out),
    );
  } finally {
    Math.random = rnd;
    await c.close();
    agent.close();
  }
});
