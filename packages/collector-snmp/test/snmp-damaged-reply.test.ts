import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import { startSnmpAgent, startUdpDelayProxy } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { AUTH_PRIV_OPTIONS, context, device, makeCollector, v3Layout } from './helpers.js';

/** Where in an authPriv reply one bit is flipped. */
const SPOTS: Record<string, (b: Buffer) => number> = {
  // The digest itself (msgAuthenticationParameters): fails authentication.
  digest: (b) => v3Layout(b).auth + 5,
  // Inside the encrypted PDU: fails authentication (the digest covers it).
  encryptedPdu: (b) => b.length - 1,
  // msgAuthoritativeEngineTime's neighbourhood, in the header: net-snmp reports a decryption failure.
  header: () => 40,
};

function flip(at: (b: Buffer) => number): (r: Buffer) => Buffer {
  return (r) => {
    const b = Buffer.from(r);
    b[at(b)]! ^= 0x01;
    return b;
  };
}

async function failure(p: Promise<unknown>): Promise<CollectError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CollectError, String(err));
    return err;
  }
  assert.fail('the poll succeeded');
}

// One datagram damaged in transit must not park a correctly configured v3 device: the same poll
// rediscovers the engine and asks again. The second failure in a row is the permanent one.
describe('v3 authPriv: one damaged reply', () => {
  let agent: SnmpAgent;
  before(async () => {
    agent = await startSnmpAgent();
  });
  after(async () => {
    await agent.stop();
  });

  for (const [name, at] of Object.entries(SPOTS)) {
    it(`a bit flipped in the ${name} of the first authPriv reply: the poll still succeeds`, async () => {
      let damaged = 0;
      const corrupt = flip(at);
      // Reply 1 answers discovery (plain); reply 2 is the first authPriv reply.
      const proxy = await startUdpDelayProxy({
        targetPort: agent.port,
        mutateReply: (r, n) => (n === 2 ? (damaged++, corrupt(r)) : r),
      });
      const c = makeCollector();
      try {
        const d = device(c, proxy.port, AUTH_PRIV_OPTIONS, { id: `damaged-${name}` });
        const r = await c.collect(d, context());
        assert.equal(damaged, 1);
        assert.equal(typeof r.data.scalars.sysUpTime, 'number');
        assert.ok(Object.keys(r.data.tables.interfaces ?? {}).length > 0);
      } finally {
        await c.close();
        await proxy.close();
      }
    });
  }

  it('every authPriv reply damaged: permanent SNMP_AUTH_FAILED, after a second discovery', async () => {
    const corrupt = flip(SPOTS.digest!);
    const sizes: number[] = [];
    const proxy = await startUdpDelayProxy({
      targetPort: agent.port,
      // Discovery replies are reports without a digest (their auth parameters are empty).
      mutateReply: (r) => {
        const authPriv = v3Layout(r).authLength > 0;
        sizes.push(authPriv ? 1 : 0);
        return authPriv ? corrupt(r) : r;
      },
    });
    const c = makeCollector();
    try {
      const d = device(c, proxy.port, AUTH_PRIV_OPTIONS, { id: 'damaged-always' });
      const e = await failure(c.collect(d, context()));
      assert.equal(e.code, 'SNMP_AUTH_FAILED');
      assert.equal(e.kind, 'permanent');
      // discovery, damaged reply, discovery again, damaged reply again.
      assert.deepEqual(sizes, [0, 1, 0, 1]);
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});
