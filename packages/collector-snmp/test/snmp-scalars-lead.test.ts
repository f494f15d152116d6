import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SnmpCollector, SnmpPollData, SnmpProfile } from '@pollfleet/collector-snmp';
import { startSnmpAgent, startUdpDelayProxy } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector } from './helpers.js';

// Scalars ride on the first GETBULK of a poll as non-repeaters (GETNEXT of `X` for `X.0`),
// saving a request per poll. Counted at a proxy in front of a real snmpd. The table is UCD's
// prTable with three configured rows, not ifTable: with 50 interfaces a reply holds only about
// 100 varbinds, so the request count would depend on the machine. maxRepetitions 4 keeps the
// first poll's GETBULK inside the view: snmpd 5.9 answers genErr to one that runs past its end.
const PROCS = ['pf-alpha', 'pf-beta', 'pf-gamma'];
const AGENT = {
  view: ['1.3.6.1.2.1.2.1', '1.3.6.1.4.1.2021.2'],
  extraConfig: PROCS.map((p) => `proc ${p}`),
};
const PROFILE: SnmpProfile = {
  scalars: [
    { name: 'sysName', oid: '1.3.6.1.2.1.1.5.0' },
    { name: 'sysUpTime', oid: '1.3.6.1.2.1.1.3.0' },
    { name: 'missing', oid: '1.3.6.1.2.1.1.99.0' }, // no such object: left out, as with GET
    { name: 'ifNumber', oid: '1.3.6.1.2.1.2.1.0' },
  ],
  tables: [
    {
      name: 'processes',
      columns: [
        { name: 'name', oid: '1.3.6.1.4.1.2021.2.1.2' },
        { name: 'count', oid: '1.3.6.1.4.1.2021.2.1.5' },
      ],
    },
  ],
};

describe('scalars on the first GETBULK', () => {
  let agent: SnmpAgent;
  let collector: SnmpCollector;
  before(async () => {
    agent = await startSnmpAgent(AGENT);
    collector = makeCollector();
  });
  after(async () => {
    await collector.close();
    await agent.stop();
  });

  async function poll(
    version: '1' | '2c',
    id: string,
  ): Promise<{ requests: number; data: SnmpPollData }> {
    const proxy = await startUdpDelayProxy({ targetPort: agent.port });
    try {
      const d = device(
        collector,
        proxy.port,
        { version, profile: PROFILE, maxRepetitions: 4 },
        { id },
      );
      await collector.collect(d, context()); // sizes the first GETBULK from the table's rows
      const before = proxy.requests;
      const r = await collector.collect(d, context());
      return { requests: proxy.requests - before, data: r.data };
    } finally {
      await proxy.close();
    }
  }

  it('v2c: one GETBULK carries the scalars and the table; values equal a v1 poll made with GET', async () => {
    const v2 = await poll('2c', 'lead-v2c');
    const v1 = await poll('1', 'lead-v1');
    // v2c: one request (scalars + both columns, sized from the previous poll's rows).
    assert.equal(v2.requests, 1);
    // v1 has no GETBULK: a GET of the scalars, then GETNEXT per column and row.
    assert.ok(v1.requests > 2, `v1 made ${v1.requests} requests`);
    assert.deepEqual(Object.keys(v2.data.scalars).sort(), ['ifNumber', 'sysName', 'sysUpTime']);
    assert.equal(v2.data.scalars.sysName, v1.data.scalars.sysName);
    assert.equal(v2.data.scalars.ifNumber, v1.data.scalars.ifNumber);
    assert.equal(typeof v2.data.scalars.sysUpTime, 'number');
    assert.deepEqual(v2.data.tables, v1.data.tables);
    assert.deepEqual(
      Object.values(v2.data.tables.processes!).map((r) => r.name),
      PROCS,
      'every configured row',
    );
  });
});
