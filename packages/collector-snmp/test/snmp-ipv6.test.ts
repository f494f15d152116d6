import dnsPromises, { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { readFileSync, readdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';

import { snmpKeys } from '@pollfleet/collector-snmp';
import type { SnmpCollector, SnmpPollData } from '@pollfleet/collector-snmp';
import { MemorySharedState } from '@pollfleet/testing';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import {
  context,
  device,
  makeCollector,
  watchProcessErrors,
  AUTH_PRIV_OPTIONS,
} from './helpers.js';

const processErrors = watchProcessErrors();

/** The names /etc/hosts gives `address` (none if it cannot be read). */
function namesInEtcHostsFor(address: string): string[] {
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    return addr === address ? names : [];
  });
}
const authPriv = AUTH_PRIV_OPTIONS;
// Values that do not move between two polls (counters and uptime do).
const stable = {
  scalars: [
    { name: 'sysDescr', oid: '1.3.6.1.2.1.1.1.0' },
    { name: 'sysObjectID', oid: '1.3.6.1.2.1.1.2.0' },
    { name: 'sysName', oid: '1.3.6.1.2.1.1.5.0' },
  ],
  tables: [
    {
      name: 'interfaces',
      columns: [
        { name: 'descr', oid: '1.3.6.1.2.1.2.2.1.2' },
        { name: 'type', oid: '1.3.6.1.2.1.2.2.1.3' },
        { name: 'mtu', oid: '1.3.6.1.2.1.2.2.1.4' },
      ],
    },
  ],
};
const openFds = (): number => readdirSync('/proc/self/fd').length;

async function poll(
  c: SnmpCollector,
  port: number,
  host: string,
  options: object,
  id = `dev-${host}`,
): Promise<SnmpPollData> {
  return (
    await c.collect(device(c, port, { ...options, profile: stable }, { id, host }), context())
  ).data;
}

describe('IPv6 agents', () => {
  // One snmpd on 127.0.0.1 and ::1 (same port): the same values over either family.
  let agent: SnmpAgent;
  let v4only: SnmpAgent;
  before(async () => {
    [agent, v4only] = await Promise.all([
      startSnmpAgent({ listen: ['udp6', 'udp4'] }),
      startSnmpAgent({ listen: ['udp4'] }),
    ]);
  });
  after(async () => {
    await Promise.all([agent.stop(), v4only.stop()]);
    assert.deepEqual(processErrors, []);
  });

  for (const [label, options] of [
    ['v2c', { version: '2c' }],
    ['v3 authPriv', authPriv],
  ] as const) {
    it(`${label}: polling ::1 returns what polling 127.0.0.1 returns`, async () => {
      const c = makeCollector();
      try {
        const v6 = await poll(c, agent.port, '::1', options);
        const v4 = await poll(c, agent.port, '127.0.0.1', options);
        assert.ok(v6.scalars.sysName, 'sysName polled over IPv6');
        assert.ok(Object.keys(v6.tables.interfaces ?? {}).length > 0, 'interfaces polled');
        assert.deepEqual(v6.scalars, v4.scalars);
        assert.deepEqual(v6.tables, v4.tables);
      } finally {
        await c.close();
      }
    });
  }

  it('an IPv6 literal in another spelling is polled, and its v3 engine is stored under [::1]:port', async () => {
    const shared = new MemorySharedState();
    const c = makeCollector({}, shared);
    try {
      // Replies come from `::1`; a session keyed by the spelling in the row would never match.
      const r = await poll(c, agent.port, '0:0:0:0:0:0:0:1', authPriv, 'long-form');
      assert.ok(r.scalars.sysName);
      const rec = JSON.parse((await shared.get(snmpKeys.engine('long-form')))!) as {
        endpoint: string;
      };
      assert.equal(rec.endpoint, `[::1]:${agent.port}`);
    } finally {
      await c.close();
    }
  });

  it('an IPv4-mapped IPv6 address is polled over IPv4', async () => {
    const c = makeCollector();
    try {
      // v4only does not listen on ::1; only an IPv4 datagram reaches it.
      const r = await poll(c, v4only.port, '::ffff:127.0.0.1', { version: '2c' });
      assert.ok(r.scalars.sysName);
    } finally {
      await c.close();
    }
  });

  it('a host name that resolves to ::1 is polled over IPv6', async (t) => {
    // /etc/hosts decides; we never edit it. The first address the resolver returns is polled.
    // Only names /etc/hosts lists for ::1 are looked up: any other would go to DNS, off the
    // machine (tests never resolve names outside it).
    let name: string | undefined;
    for (const n of namesInEtcHostsFor('::1')) {
      const first = await lookup(n).catch(() => undefined);
      if (first?.address === '::1') {
        name = n;
        break;
      }
    }
    if (name === undefined) {
      t.skip('no host name resolves to ::1 first on this machine (see /etc/hosts)');
      return;
    }
    const c = makeCollector();
    try {
      const r = await poll(c, agent.port, name, { version: '2c' });
      assert.ok(r.scalars.sysName);
    } finally {
      await c.close();
    }
  });

  it('a host name with only an AAAA record is polled over IPv6 (resolver substituted)', async () => {
    // The test above needs /etc/hosts to map a name to ::1, which this machine may not. Here the
    // resolver answers for one made-up name the way getaddrinfo does for an AAAA-only name:
    // ::1 unless the caller asks for IPv4 only.
    const real = dnsPromises.lookup;
    mock.method(dnsPromises, 'lookup', (host: string, o?: LookupOptions) => {
      if (host !== 'agent6.pollfleet.test') return real(host, o ?? {});
      if (o?.family === 4 || o?.family === 'IPv4' || o?.all) {
        return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
      }
      return Promise.resolve<LookupAddress>({ address: '::1', family: 6 });
    });
    syncBuiltinESMExports(); // the collector's `import { lookup }` sees the substitute
    const c = makeCollector();
    try {
      const r = await poll(c, agent.port, 'agent6.pollfleet.test', authPriv);
      assert.ok(r.scalars.sysName);
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
      await c.close();
    }
  });

  it('50 devices on ::1 and 127.0.0.1 use at most socketCount sockets per family', async () => {
    const c = makeCollector({ socketCount: 2 });
    const fdsBefore = openFds();
    try {
      const res = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          poll(c, agent.port, i % 2 ? '::1' : '127.0.0.1', { version: '2c' }, `d${i}`),
        ),
      );
      for (const r of res) assert.ok(r.scalars.sysName);
      // Sockets are opened lazily, up to 2 per family: both families were needed.
      assert.equal(c.openSockets, 4);
      assert.ok(openFds() - fdsBefore <= 4, `fds grew by ${openFds() - fdsBefore}`);
    } finally {
      await c.close();
    }
  });
});
