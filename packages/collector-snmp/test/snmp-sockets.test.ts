import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { snmpKeys } from '@pollfleet/collector-snmp';
import { MemorySharedState } from '@pollfleet/testing';
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
// One snmpd serves ~a thousand heavy GETBULKs a second: keep each poll light so the agent, not
// the collector, is never the bottleneck of this test.
const light = {
  scalars: [{ name: 'name', oid: '1.3.6.1.2.1.1.5.0' }],
  tables: [{ name: 'cpu', columns: [{ name: 'load', oid: '1.3.6.1.2.1.25.3.3.1.2' }] }],
};
const openFds = (): number => readdirSync('/proc/self/fd').length;
const authPriv = AUTH_PRIV_OPTIONS;

describe('shared sockets and shared v3 engine state', () => {
  let agents: SnmpAgent[];
  before(async () => {
    agents = await Promise.all([startSnmpAgent(), startSnmpAgent()]);
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    assert.deepEqual(processErrors, []);
  });

  it('300 devices polled at once use at most socketCount UDP sockets', async () => {
    const c = makeCollector({ socketCount: 4 });
    const fdsBefore = openFds();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, openFds())), 5);
    try {
      const polls = Array.from({ length: 300 }, (_, i) =>
        c.collect(
          device(
            c,
            agents[i % 2]!.port,
            { ...(i % 3 === 0 ? authPriv : { version: '2c' }), profile: light, timeoutMs: 3000 },
            { id: `d${i}` },
          ),
          context(),
        ),
      );
      const res = await Promise.all(polls);
      for (const r of res) assert.ok(r.data.scalars.name);
      peak = Math.max(peak, openFds());
      assert.ok(c.openSockets <= 4);
      assert.ok(peak - fdsBefore <= 4 + 2, `fds grew by ${peak - fdsBefore}`);
    } finally {
      clearInterval(sampler);
      await c.close();
    }
  });

  it('a device moving to another pod reuses the engine from the shared state (no discovery)', async () => {
    const shared = new MemorySharedState();
    const proxy = await startUdpDelayProxy({ targetPort: agents[0]!.port });
    const podA = makeCollector({}, shared);
    const podB = makeCollector({}, shared);
    try {
      const d = device(podA, proxy.port, authPriv, { id: 'mover' });
      await podA.collect(d, context());
      const firstPoll = proxy.requests;
      assert.ok(await shared.get(snmpKeys.engine('mover')));
      await podB.collect(d, context());
      const secondPoll = proxy.requests - firstPoll;
      // v3 discovery costs two round trips (report + time sync) on a fresh session.
      assert.ok(secondPoll < firstPoll, `pod B sent ${secondPoll} requests, pod A ${firstPoll}`);
      const again = proxy.requests;
      await podB.collect(d, context());
      assert.equal(proxy.requests - again, secondPoll);
    } finally {
      await podA.close();
      await podB.close();
      await proxy.close();
    }
  });

  it('a stale shared engine (agent rebooted elsewhere) is rediscovered and the poll succeeds', async () => {
    const shared = new MemorySharedState();
    await shared.set(
      snmpKeys.engine('stale'),
      JSON.stringify({
        engineId: '80001f8880aaaaaaaaaaaaaaaa00000000',
        boots: 7,
        time: 5,
        at: Date.now(),
        endpoint: `127.0.0.1:${agents[0]!.port}`,
      }),
    );
    const c = makeCollector({}, shared);
    try {
      const r = await c.collect(device(c, agents[0]!.port, authPriv, { id: 'stale' }), context());
      assert.notEqual(r.data.engine!.engineId, '80001f8880aaaaaaaaaaaaaaaa00000000');
    } finally {
      await c.close();
    }
  });

  it('an agent reboot is followed without a failed poll, and the new engine is shared', async () => {
    const shared = new MemorySharedState();
    const c = makeCollector({}, shared);
    try {
      const d = device(c, agents[0]!.port, authPriv, { id: 'reboot' });
      const before = (await c.collect(d, context())).data.engine!;
      // A replacement agent (new engine id): the harder case, the engine the session holds is
      // unknown to the agent. snmp-engine-reboot.test.ts has the plain reboot (boots + 1).
      await agents[0]!.restart({ freshEngine: true });
      const after = (await c.collect(d, context())).data.engine!;
      assert.ok(
        after.engineId !== before.engineId || after.boots > before.boots,
        `engine unchanged: ${JSON.stringify(after)}`,
      );
      const stored = JSON.parse((await shared.get(snmpKeys.engine('reboot')))!) as {
        engineId: string;
      };
      assert.equal(stored.engineId, after.engineId);
    } finally {
      await c.close();
    }
  });

  it('two devices answering with the same engine id are reported', async () => {
    const shared = new MemorySharedState();
    const proxy = await startUdpDelayProxy({ targetPort: agents[1]!.port });
    const c = makeCollector({}, shared);
    try {
      await c.collect(device(c, agents[1]!.port, authPriv, { id: 'orig' }), context());
      // The proxy is another address:port answering with the same engine: a "cloned" agent.
      const r = await c.collect(device(c, proxy.port, authPriv, { id: 'clone' }), context());
      assert.equal(r.data.engine!.duplicateOf, 'orig');
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});
