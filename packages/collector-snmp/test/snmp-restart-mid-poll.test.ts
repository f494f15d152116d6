import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import { startSnmpAgent, startUdpDelayProxy } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent, UdpDelayProxy } from '@pollfleet/testing/snmp-agent';
import { AUTH_PRIV_OPTIONS, context, device, makeCollector, v3Layout } from './helpers.js';

/** The priv bit of a v3 message's msgFlags. */
function isEncrypted(msg: Buffer): boolean {
  return ((msg[v3Layout(msg).flags] ?? 0) & 0x02) !== 0;
}

// An agent that restarts while a poll is waiting for an authPriv reply: the request is lost, the
// plain probe then finds the agent up. That is a restart (the probe shows new engine boots), not
// the "wrong privacy key" an agent that drops authPriv requests suggests.
describe('v3 authPriv: agent restarted during the poll', () => {
  let agent: SnmpAgent;
  let proxy: UdpDelayProxy;
  let losing = false;
  before(async () => {
    agent = await startSnmpAgent();
    proxy = await startUdpDelayProxy({
      targetPort: agent.port,
      dropRequest: (msg) => losing && isEncrypted(msg),
    });
  });
  after(async () => {
    await proxy.close();
    await agent.stop();
  });

  it('is reported as a transient timeout naming the restart, never as a privacy-key problem', async () => {
    const c = makeCollector();
    try {
      const profile = { scalars: [{ name: 'up', oid: '1.3.6.1.2.1.1.3.0' }] };
      // Generous request timeout: the probe must reach the freshly restarted agent on a busy machine.
      const d = device(
        c,
        proxy.port,
        { ...AUTH_PRIV_OPTIONS, profile, timeoutMs: 1500, retries: 0 },
        { id: 'restart-mid-poll', timeoutMs: 8000 },
      );
      const first = await c.collect(d, context());
      const boots = first.data.engine!.boots;
      for (let k = 1; k <= 2; k++) {
        await agent.restart(); // boots + 1
        losing = true; // the requests sent while it was down
        let err: unknown;
        try {
          await c.collect(d, context());
        } catch (e) {
          err = e;
        } finally {
          losing = false;
        }
        assert.ok(err instanceof CollectError, String(err));
        assert.equal(err.kind, 'transient', err.message);
        assert.equal(err.code, 'SNMP_TIMEOUT', err.message);
        assert.doesNotMatch(err.message, /privacy/);
        assert.match(
          err.message,
          new RegExp(`restarted \\(snmpEngineBoots ${boots + k - 1} → ${boots + k}\\)`),
        );
        const again = await c.collect(d, context());
        assert.equal(again.data.engine!.boots, boots + k);
      }
    } finally {
      await c.close();
    }
  });
});
