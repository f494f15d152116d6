import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { SnmpCollector, SnmpPollData } from '@pollfleet/collector-snmp';
import { startSnmpAgent, startUdpDelayProxy } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import {
  context,
  device,
  makeCollector,
  watchProcessErrors,
  AUTH_PRIV_OPTIONS,
} from './helpers.js';

const processErrors = watchProcessErrors();
const authPriv = AUTH_PRIV_OPTIONS;
// Values that do not move between two polls, and a table so the poll takes several requests.
const stable = {
  scalars: [
    { name: 'sysDescr', oid: '1.3.6.1.2.1.1.1.0' },
    { name: 'sysName', oid: '1.3.6.1.2.1.1.5.0' },
  ],
  tables: [{ name: 'interfaces', columns: [{ name: 'descr', oid: '1.3.6.1.2.1.2.2.1.2' }] }],
};

async function poll(
  c: SnmpCollector,
  port: number,
  options: object,
  id: string,
): Promise<SnmpPollData> {
  const d = device(
    c,
    port,
    { ...options, profile: stable, timeoutMs: 500 },
    { id, timeoutMs: 3000 },
  );
  return (await c.collect(d, context())).data;
}

describe('agents that answer from another address or port', () => {
  let agent: SnmpAgent;
  before(async () => {
    agent = await startSnmpAgent();
  });
  after(async () => {
    await agent.stop();
    assert.deepEqual(processErrors, []);
  });

  for (const replyFrom of ['127.0.0.2', '127.0.0.1']) {
    for (const [label, options] of [
      ['v2c', { version: '2c' }],
      ['v3 authPriv', authPriv],
    ] as const) {
      it(`${label}: replies from ${replyFrom} on another port are accepted`, async () => {
        const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyFrom });
        const c = makeCollector();
        try {
          assert.equal(proxy.replySource.address, replyFrom);
          assert.notEqual(proxy.replySource.port, proxy.port);
          const direct = await poll(c, agent.port, options, 'direct');
          const moved = await poll(c, proxy.port, options, 'multi-homed');
          assert.ok(moved.scalars.sysName);
          assert.deepEqual(moved.scalars, direct.scalars);
          assert.deepEqual(moved.tables, direct.tables);
          // Twice: a second poll on the kept session (v3: engine already known) works too.
          assert.deepEqual(
            (await poll(c, proxy.port, options, 'multi-homed')).tables,
            direct.tables,
          );
        } finally {
          await c.close();
          await proxy.close();
        }
      });
    }
  }

  it('acceptRepliesFromAnyAddress: false drops them: the poll times out', async () => {
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyFrom: '127.0.0.2' });
    const c = makeCollector({ acceptRepliesFromAnyAddress: false });
    try {
      await assert.rejects(poll(c, proxy.port, { version: '2c', retries: 0 }, 'strict'), {
        code: 'SNMP_TIMEOUT',
      });
      assert.ok(proxy.requests > 0);
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});
