import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SnmpCollector } from '@pollfleet/collector-snmp';
import { SNMP_AGENT_USERS, startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { AUTH_PRIV_OPTIONS, capturingLogger, context, device, makeCollector } from './helpers.js';
import { MemorySharedState } from '@pollfleet/testing';

describe('what a poll publishes and logs', () => {
  let agent: SnmpAgent;
  let collector: SnmpCollector;
  before(async () => {
    agent = await startSnmpAgent();
    collector = makeCollector();
  });
  after(async () => {
    await collector.close();
    await agent.stop();
  });

  it('a profile without counters has no "rates" key, not an empty object', async () => {
    const profile = { scalars: [{ name: 'name', oid: '1.3.6.1.2.1.1.5.0' }] };
    const d = device(collector, agent.port, { profile }, { id: 'no-counters' });
    await collector.collect(d, context());
    const r = await collector.collect(d, context());
    assert.equal(typeof r.data.scalars.name, 'string');
    assert.ok(!('rates' in r.data), JSON.stringify(r.data));
  });

  it('noAuthNoPriv: engine boots follow the agent (restart) instead of staying at discovery', async () => {
    const d = device(
      collector,
      agent.port,
      { version: '3', securityLevel: 'noAuthNoPriv', user: SNMP_AGENT_USERS.noAuthNoPriv },
      { id: 'noauth-engine' },
    );
    const first = await collector.collect(d, context());
    assert.ok(first.data.engine);
    await agent.restart(); // same engine id, snmpEngineBoots + 1, snmpEngineTime from 0
    const second = await collector.collect(d, context());
    assert.equal(second.data.engine?.engineId, first.data.engine.engineId);
    assert.equal(second.data.engine?.boots, first.data.engine.boots + 1);
  });
});

describe('log lines carry deviceId once', () => {
  it('on a failed poll and on a duplicate engine warning, through the per-device child logger', async () => {
    // Two agents with one engine id (a cloned configuration): the second device's poll warns.
    const a = await startSnmpAgent({ engineId: 'pf-dup-log' });
    const b = await startSnmpAgent({ engineId: 'pf-dup-log' });
    const { logger, lines } = capturingLogger();
    const c = makeCollector({}, new MemorySharedState(), logger);
    try {
      const ctx = (id: string) => context(undefined, undefined, logger.child({ deviceId: id }));
      await c.collect(device(c, a.port, AUTH_PRIV_OPTIONS, { id: 'dup-a' }), ctx('dup-a'));
      await c.collect(device(c, b.port, AUTH_PRIV_OPTIONS, { id: 'dup-b' }), ctx('dup-b'));
      // A poll that fails (wrong community): the 'snmp poll failed' debug line.
      await assert.rejects(
        c.collect(device(c, a.port, { timeoutMs: 200, retries: 0 }, { id: 'dup-c' }), {
          ...ctx('dup-c'),
          credentials: context({ community: 'wrong' }).credentials,
        }),
      );
      const warned = lines.filter((l) => l.includes('same SNMP engine id'));
      const failed = lines.filter((l) => l.includes('snmp poll failed'));
      assert.equal(warned.length, 1, lines.join(''));
      assert.equal(failed.length, 1, lines.join(''));
      for (const l of [...warned, ...failed]) {
        assert.equal(l.split('"deviceId"').length - 1, 1, l);
      }
    } finally {
      await c.close();
      await a.stop();
      await b.stop();
    }
  });
});
