import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SNMP_PROFILE, desAvailable } from '@pollfleet/collector-snmp';
import { DeviceConfigError } from '@pollfleet/core';
import type {
  SnmpCollector,
  SnmpPollData,
  SnmpProfile,
  SnmpValueType,
} from '@pollfleet/collector-snmp';
import {
  SNMP_AGENT_SECRETS as S,
  SNMP_AGENT_TOOL_AUTH,
  SNMP_AGENT_USERS as U,
  startSnmpAgent,
  toolBulkWalk,
  toolGet,
} from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent, ToolTarget, ToolValue } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector, watchProcessErrors } from './helpers.js';

const processErrors = watchProcessErrors();

/** The collector's JSON value as the C tools print it (-Ox: octet strings as hex). */
function asTool(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'hex' in v) return String((v as { hex: string }).hex);
  return JSON.stringify(v);
}

/** Text back to its bytes (UTF-8); a MAC address (`aa:bb:...`, the `mac` type) back to its octets. */
function textAsHex(v: unknown, type: SnmpValueType | undefined): unknown {
  if (typeof v !== 'string') return v;
  return type === 'mac' ? v.replaceAll(':', '') : Buffer.from(v, 'utf8').toString('hex');
}

/**
 * Asserts `got` equals what the tools printed, allowing values that changed between the two
 * tool reads (counters growing, gauges moving) to be anywhere between them.
 */
function assertSame(
  where: string,
  got: unknown,
  before: ToolValue,
  afterV: ToolValue | undefined,
  type?: SnmpValueType,
): void {
  assert.ok(got !== undefined, `${where}: missing in collector output`);
  if (before.type === 'STRING') {
    const hex = asTool(textAsHex(got, type));
    assert.ok(hex === before.value || hex === afterV?.value, `${where}: ${hex} != ${before.value}`);
    return;
  }
  if (before.type === 'OID' || before.type === 'IpAddress') {
    assert.equal(asTool(got), before.value, where);
    return;
  }
  const g = BigInt(asTool(got));
  const a = BigInt(before.value);
  const b = BigInt(afterV?.value ?? before.value);
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  assert.ok(g >= lo && g <= hi, `${where}: ${g} not within [${lo}, ${hi}] (${before.type})`);
}

async function compareTable(
  tool: ToolTarget,
  data: SnmpPollData,
  tableName: string,
  profile: SnmpProfile,
  walkBefore: Map<string, ToolValue>,
  walkAfter: Map<string, ToolValue>,
): Promise<number> {
  const table = profile.tables.find((t) => t.name === tableName)!;
  const rows = data.tables[tableName] ?? {};
  let compared = 0;
  for (const col of table.columns) {
    const prefix = col.oid + '.';
    const expectedIdx = new Set<string>();
    for (const [oid, v] of walkBefore) {
      if (!oid.startsWith(prefix)) continue;
      const idx = oid.slice(prefix.length);
      expectedIdx.add(idx);
      assertSame(
        `${tableName}[${idx}].${col.name}`,
        rows[idx]?.[col.name],
        v,
        walkAfter.get(oid),
        col.type,
      );
      compared++;
    }
    for (const [idx, row] of Object.entries(rows)) {
      if (row[col.name] !== undefined) {
        assert.ok(
          expectedIdx.has(idx),
          `${tableName}[${idx}].${col.name} not returned by the C tool`,
        );
      }
    }
  }
  void tool;
  return compared;
}

const v3 = (level: string, user: string, auth?: string, priv?: string): unknown => ({
  version: '3',
  securityLevel: level,
  user,
  ...(auth ? { authProtocol: auth } : {}),
  ...(priv ? { privProtocol: priv } : {}),
});

describe('SNMP polling of the default profile equals snmpget/snmpbulkwalk on a real snmpd', () => {
  let agent: SnmpAgent;
  let collector: SnmpCollector;
  before(async () => {
    agent = await startSnmpAgent();
    collector = makeCollector();
  });
  after(async () => {
    await collector.close();
    await agent.stop();
    assert.deepEqual(processErrors, []);
  });

  const cases: { name: string; options: unknown; tool: (a: SnmpAgent) => string[] }[] = [
    { name: 'v2c', options: { version: '2c' }, tool: () => [...SNMP_AGENT_TOOL_AUTH.v2c] },
    { name: 'v1', options: { version: '1' }, tool: () => ['-v1', '-c', S.community] },
    {
      name: 'v3 noAuthNoPriv',
      options: v3('noAuthNoPriv', U.noAuthNoPriv),
      tool: () => ['-v3', '-l', 'noAuthNoPriv', '-u', U.noAuthNoPriv],
    },
    {
      name: 'v3 authNoPriv SHA-256',
      options: v3('authNoPriv', U.authNoPriv, 'sha256'),
      tool: () => ['-v3', '-l', 'authNoPriv', '-u', U.authNoPriv, '-a', 'SHA-256', '-A', S.authKey],
    },
    {
      name: 'v3 authPriv SHA-256/AES',
      options: v3('authPriv', U.authPriv, 'sha256', 'aes'),
      tool: () => [...SNMP_AGENT_TOOL_AUTH.authPriv],
    },
    {
      name: 'v3 authPriv SHA/DES',
      options: v3('authPriv', U.authPrivShaDes, 'sha', 'des'),
      tool: () => [
        '-v3',
        '-l',
        'authPriv',
        '-u',
        U.authPrivShaDes,
        '-a',
        'SHA',
        '-A',
        S.authKey,
        '-x',
        'DES',
        '-X',
        S.privKey,
      ],
    },
  ];

  it('v3 DES: usable when this Node.js has DES, otherwise refused at parse time naming privProtocol', () => {
    if (desAvailable()) return;
    assert.throws(
      () => collector.parseOptions(v3('authPriv', U.authPrivShaDes, 'sha', 'des'), 'd'),
      (e: unknown) => e instanceof DeviceConfigError && e.field === 'privProtocol',
    );
  });

  for (const c of cases) {
    const isDes = c.name.includes('DES');
    it(
      `${c.name}: system group and the whole interface table match, hrStorage too`,
      { skip: isDes && !desAvailable() ? 'no DES in this Node.js build' : false },
      async () => {
        const tool: ToolTarget = {
          host: agent.host,
          port: agent.port,
          auth: c.tool(agent),
          env: agent.toolEnv,
        };
        const scalarOids = DEFAULT_SNMP_PROFILE.scalars.map((s) => s.oid);
        const walks = ['1.3.6.1.2.1.2.2', '1.3.6.1.2.1.31.1.1', '1.3.6.1.2.1.25.2.3'];
        const sysBefore = await toolGet(tool, scalarOids);
        const before = new Map<string, ToolValue>();
        for (const w of walks) for (const [k, v] of await toolBulkWalk(tool, w)) before.set(k, v);
        const res = await collector.collect(
          device(collector, agent.port, c.options, { id: c.name }),
          context(),
        );
        const sysAfter = await toolGet(tool, scalarOids);
        const afterW = new Map<string, ToolValue>();
        for (const w of walks) for (const [k, v] of await toolBulkWalk(tool, w)) afterW.set(k, v);

        assert.equal(res.partial, undefined);
        const data = res.data;
        for (const s of DEFAULT_SNMP_PROFILE.scalars) {
          assertSame(
            s.name,
            data.scalars[s.name],
            sysBefore.get(s.oid)!,
            sysAfter.get(s.oid),
            s.type,
          );
        }
        const n = await compareTable(
          tool,
          data,
          'interfaces',
          DEFAULT_SNMP_PROFILE,
          before,
          afterW,
        );
        assert.ok(n > 30, `compared ${n} interface values`);
        await compareTable(tool, data, 'hrStorage', DEFAULT_SNMP_PROFILE, before, afterW);
        // HC counters preferred, 32-bit ones as fallback.
        for (const row of Object.values(data.tables.interfaces!)) {
          assert.equal(row.inOctets, row.ifHCInOctets ?? row.ifInOctets);
        }
        if (c.options && (c.options as { version: string }).version === '3') {
          assert.match(data.engine!.engineId, /^[0-9a-f]+$/);
        }
      },
    );
  }

  it('a table larger than one GETBULK (max-repetitions 1, 3 columns per request) gives the same rows', async () => {
    const small = await collector.collect(
      device(
        collector,
        agent.port,
        { maxRepetitions: 1, columnsPerRequest: 3 },
        { id: 'small-bulk' },
      ),
      context(),
    );
    const big = await collector.collect(
      device(collector, agent.port, {}, { id: 'big-bulk' }),
      context(),
    );
    const s = small.data;
    const b = big.data;
    assert.deepEqual(Object.keys(s.tables.interfaces!), Object.keys(b.tables.interfaces!));
    for (const [idx, row] of Object.entries(b.tables.interfaces!)) {
      assert.equal(s.tables.interfaces![idx]!.ifName, row.ifName);
      assert.deepEqual(Object.keys(s.tables.interfaces![idx]!).sort(), Object.keys(row).sort());
    }
  });

  it('a user-defined profile (scalars and a table by numeric OID) matches the C tools', async () => {
    const profile: SnmpProfile = {
      scalars: [{ name: 'name', oid: '1.3.6.1.2.1.1.5.0' }],
      tables: [
        {
          name: 'storage',
          columns: [
            { name: 'descr', oid: '1.3.6.1.2.1.25.2.3.1.3' },
            { name: 'size', oid: '1.3.6.1.2.1.25.2.3.1.5' },
          ],
        },
        // ipAdEntAddr (IpAddress) and ipAdEntIfIndex, indexed by an IP address (multi-arc index)
        {
          name: 'addresses',
          columns: [
            { name: 'addr', oid: '1.3.6.1.2.1.4.20.1.1' },
            { name: 'ifIndex', oid: '1.3.6.1.2.1.4.20.1.2' },
          ],
        },
      ],
    };
    const tool: ToolTarget = {
      host: agent.host,
      port: agent.port,
      auth: [...SNMP_AGENT_TOOL_AUTH.v2c],
      env: agent.toolEnv,
    };
    const before = await toolBulkWalk(tool, '1.3.6.1.2.1.25.2.3.1');
    for (const [k, v] of await toolBulkWalk(tool, '1.3.6.1.2.1.4.20.1')) before.set(k, v);
    const res = await collector.collect(
      device(collector, agent.port, { profile }, { id: 'custom' }),
      context(),
    );
    const afterW = await toolBulkWalk(tool, '1.3.6.1.2.1.25.2.3.1');
    for (const [k, v] of await toolBulkWalk(tool, '1.3.6.1.2.1.4.20.1')) afterW.set(k, v);
    const data = res.data;
    assert.equal(data.profile, 'inline');
    assertSame(
      'name',
      data.scalars.name,
      (await toolGet(tool, ['1.3.6.1.2.1.1.5.0'])).get('1.3.6.1.2.1.1.5.0')!,
      undefined,
    );
    const n = await compareTable(tool, data, 'storage', profile, before, afterW);
    assert.ok(n > 0);
    assert.ok((await compareTable(tool, data, 'addresses', profile, before, afterW)) >= 2);
    assert.equal(data.tables.addresses!['127.0.0.1']!.addr, '127.0.0.1');
    assert.deepEqual(Object.keys(data.tables).sort(), ['addresses', 'storage']);
  });

  it('forget() drops the device state (no rates next poll); sessions are bounded by maxDevices', async () => {
    const small = makeCollector({ maxDevices: 2 });
    try {
      const ds = ['a', 'b', 'c'].map((id) => device(small, agent.port, {}, { id }));
      for (const d of [...ds, ...ds])
        assert.ok((await small.collect(d, context())).data.scalars.sysName);
      const d = ds[2]!;
      await new Promise((r) => setTimeout(r, 1100)); // a sysUpTime later: rates would be due
      small.forget(d.id);
      assert.equal((await small.collect(d, context())).data.rates, undefined);
    } finally {
      await small.close();
    }
  });

  it('a profile referenced by name is read from the profile source (cached)', async () => {
    let reads = 0;
    const named = makeCollector({
      profileSource: {
        get: async (name) => {
          reads++;
          return name === 'vendor-x'
            ? { scalars: [{ name: 'uptime', oid: '1.3.6.1.2.1.1.3.0' }], tables: [] }
            : undefined;
        },
      },
    });
    try {
      const d = device(named, agent.port, { profile: 'vendor-x' }, { id: 'named' });
      const r1 = await named.collect(d, context());
      const r2 = await named.collect(d, context());
      assert.equal(r1.data.profile, 'vendor-x');
      assert.equal(typeof r1.data.scalars.uptime, 'number');
      assert.ok((r2.data.scalars.uptime as number) >= (r1.data.scalars.uptime as number));
      assert.equal(reads, 1);
    } finally {
      await named.close();
    }
  });

  it('computes interface rates from the previous poll of the same device', async () => {
    const d = device(collector, agent.port, {}, { id: 'rates' });
    const first = (await collector.collect(d, context())).data;
    assert.equal(first.rates, undefined);
    await new Promise((r) => setTimeout(r, 1100)); // sysUpTime ticks in 1/100 s
    const second = (await collector.collect(d, context())).data;
    const rates = second.rates?.interfaces;
    assert.ok(rates, 'rates on the second poll');
    for (const r of Object.values(rates)) {
      for (const v of Object.values(r)) assert.ok(Number.isFinite(v) && v >= 0);
    }
  });
});
