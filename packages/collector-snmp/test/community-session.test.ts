/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- asn1-ber has no types */
// Regressions found by a second review of CommunitySession (our v1/v2c session, replacing
// net-snmp's): each failed before its fix, and each passed with net-snmp.
import { createRequire } from 'node:module';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommunitySession, UdpSocketPool } from '@pollfleet/collector-snmp';
import { testLogger } from '@pollfleet/testing';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector } from './helpers.js';

const asn1: any = createRequire(import.meta.url)('asn1-ber');

describe('CommunitySession regressions', () => {
  let agent: SnmpAgent;
  before(async () => {
    agent = await startSnmpAgent({ extraConfig: ['rocommunity café-€ 127.0.0.1'] });
  });
  after(async () => {
    await agent.stop();
  });

  // snmpd.conf is UTF-8 text; net-snmp and the C tools send the community's UTF-8 bytes.
  it('a non-ASCII community is sent as its UTF-8 bytes, as net-snmp did', async () => {
    const c = makeCollector();
    try {
      const r = await c.collect(
        device(c, agent.port, { timeoutMs: 300, retries: 0 }),
        context({ community: 'café-€' }),
      );
      assert.ok(r.data.scalars.sysName);
    } finally {
      await c.close();
    }
  });

  it('a GET response with fewer varbinds than requested is a malformed reply, as with net-snmp', async () => {
    const agent = createSocket('udp4');
    agent.on('message', (m, from) => {
      const rd = new asn1.Ber.Reader(m);
      rd.readSequence();
      const version = rd.readInt();
      const community = rd.readString();
      rd.readSequence(0xa0);
      const id = rd.readInt();
      const w = new asn1.Ber.Writer();
      w.startSequence();
      w.writeInt(version);
      w.writeString(community);
      w.startSequence(0xa2);
      w.writeInt(id);
      w.writeInt(0);
      w.writeInt(0);
      w.startSequence();
      w.startSequence();
      w.writeOID('1.3.6.1.2.1.1.5.0');
      w.writeString('first only');
      w.endSequence();
      w.endSequence();
      w.endSequence();
      w.endSequence();
      agent.send(w.buffer, from.port, from.address);
    });
    await new Promise<void>((r) => agent.bind(0, '127.0.0.1', () => r()));
    const c = makeCollector();
    try {
      const raw = {
        profile: {
          scalars: [
            { name: 'sysName', oid: '1.3.6.1.2.1.1.5.0' },
            { name: 'sysLocation', oid: '1.3.6.1.2.1.1.6.0' },
          ],
        },
        timeoutMs: 300,
        retries: 0,
      };
      const out = await c
        .collect(device(c, agent.address().port, raw), context({ community: 'public' }))
        .then(
          (r) => JSON.stringify(r.data.scalars),
          (e: { code?: string }) => e.code,
        );
      assert.equal(out, 'SNMP_MALFORMED_REPLY');
    } finally {
      await c.close();
      agent.close();
    }
  });

  it('a send that throws fails the request instead of escaping from the retry timer', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const port = silent.address().port;
    const pool = new UdpSocketPool(testLogger(), {
      socketCount: 1,
      receiveBufferBytes: 1 << 16,
      acceptRepliesFromAnyAddress: true,
    });
    const s = new CommunitySession(pool.attach('127.0.0.1', port), {
      address: '127.0.0.1',
      port,
      version: '2c',
      community: 'public',
      timeoutMs: 100,
      retries: 1,
    });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const settled = new Promise<Error | null>((r) => s.get(['1.3.6.1.2.1.1.3.0'], r));
      await pool.close(); // the retry at 100 ms sends on a closed dgram socket
      const err = await Promise.race([
        settled,
        new Promise<string>((r) => setTimeout(() => r('never settled'), 500)),
      ]);
      assert.deepEqual(uncaught.map(String), []);
      assert.ok(err instanceof Error, String(err));
      assert.equal(Object.keys(s.reqs).length, 0);
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      silent.close();
    }
  });
});
