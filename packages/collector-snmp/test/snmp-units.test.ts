import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError, CollectorRegistry, DeviceConfigError, systemClock } from '@pollfleet/core';
import {
  compareOids,
  EngineRegistry,
  parseSnmpOptions,
  parseSnmpProfile,
  peekRequestId,
  RateTracker,
  registerSnmpCollector,
  SnmpCollector,
  SnmpProfileError,
} from '@pollfleet/collector-snmp';
import type { CounterSample } from '@pollfleet/collector-snmp';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import { context, device, makeCollector } from './helpers.js';

const field = (f: string) => (e: unknown) => e instanceof DeviceConfigError && e.field === f;

describe('registration', () => {
  it('registers under type snmp with default port 161', async () => {
    const registry = registerSnmpCollector(new CollectorRegistry());
    const c = registry.get('snmp', {
      logger: testLogger(),
      clock: systemClock,
      sharedState: new MemorySharedState(),
    });
    assert.ok(c instanceof SnmpCollector);
    assert.equal(c.defaultPort, 161);
    await registry.close();
  });
});

describe('parseSnmpOptions', () => {
  it('fills defaults', () => {
    const o = parseSnmpOptions({}, 'd');
    assert.equal(o.version, '2c');
    assert.equal(o.maxRepetitions, 25);
    assert.equal(o.retries, 1);
    assert.equal(o.profile, 'default');
    const v3 = parseSnmpOptions({ version: '3', user: 'u' }, 'd');
    assert.deepEqual(v3.security, {
      level: 'authPriv',
      user: 'u',
      authProtocol: 'sha',
      privProtocol: 'aes',
    });
  });

  it('names the bad field', () => {
    assert.throws(() => parseSnmpOptions({ version: '4' }, 'd'), field('version'));
    assert.throws(() => parseSnmpOptions({ version: '3' }, 'd'), field('user'));
    assert.throws(
      () => parseSnmpOptions({ version: '3', user: 'u', authProtocol: 'sha999' }, 'd'),
      field('authProtocol'),
    );
    assert.throws(
      () => parseSnmpOptions({ version: '3', user: 'u', securityLevel: 'x' }, 'd'),
      field('securityLevel'),
    );
    assert.throws(() => parseSnmpOptions({ maxRepetitions: 0 }, 'd'), field('maxRepetitions'));
    assert.throws(() => parseSnmpOptions({ retries: 1.5 }, 'd'), field('retries'));
    assert.throws(() => parseSnmpOptions({ user: 'u' }, 'd'), field('user'));
    assert.throws(() => parseSnmpOptions({ bogus: 1 }, 'd'), field('bogus'));
    assert.throws(() => parseSnmpOptions({ timeBudgetMs: 5 }, 'd'), field('timeBudgetMs'));
    assert.throws(
      () =>
        parseSnmpOptions(
          { profile: { tables: [{ name: 't', columns: [{ name: 'c', oid: 'x' }] }] } },
          'd',
        ),
      field('profile.tables[0].columns[0].oid'),
    );
  });

  it('refuses secrets in options without echoing them', () => {
    try {
      parseSnmpOptions({ community: 'hunter2-secret' }, 'd');
      assert.fail('accepted');
    } catch (e) {
      assert.ok(field('community')(e));
      assert.ok(!(e as Error).message.includes('hunter2-secret'));
    }
  });
});

describe('profiles', () => {
  it('validates and normalises a user profile', () => {
    const p = parseSnmpProfile({ scalars: [{ name: 'a', oid: '.1.3.6.1.2.1.1.5.0' }], tables: [] });
    assert.equal(p.scalars[0]!.oid, '1.3.6.1.2.1.1.5.0');
    assert.throws(
      () =>
        parseSnmpProfile({
          scalars: [
            { name: 'a', oid: '1.3' },
            { name: 'a', oid: '1.4' },
          ],
        }),
      SnmpProfileError,
    );
    assert.throws(() => parseSnmpProfile({}), SnmpProfileError);
    assert.throws(
      () => parseSnmpProfile({ tables: [{ name: 't', columns: [] }] }),
      SnmpProfileError,
    );
  });

  it('resolves named profiles through the profile source; an unknown one is permanent', async () => {
    const c = makeCollector({
      profileSource: {
        get: async (n) =>
          n === 'db-down'
            ? Promise.reject(new Error('connection refused'))
            : n === 'mine'
              ? { scalars: [{ name: 'x', oid: '1.3.6.1.2.1.1.5.0' }], tables: [] }
              : undefined,
      },
    });
    try {
      await assert.rejects(
        c.collect(device(c, 1, { profile: 'db-down' }), context()),
        (e: unknown) =>
          e instanceof CollectError &&
          e.code === 'SNMP_PROFILE_UNAVAILABLE' &&
          e.kind === 'transient',
      );
      await assert.rejects(
        c.collect(device(c, 1, { profile: 'nope' }), context()),
        (e: unknown) =>
          e instanceof CollectError && e.code === 'SNMP_UNKNOWN_PROFILE' && e.kind === 'permanent',
      );
    } finally {
      await c.close();
    }
  });
});

/** One Counter32 (number) or Counter64 (`c64`) value in table t, row 1, column c. */
const sample = (v: number | bigint, c64 = typeof v === 'bigint'): CounterSample =>
  new Map([['t', { counter64: new Set(c64 ? ['c'] : []), rows: new Map([['1', { c: v }]]) }]]);

describe('RateTracker', () => {
  it('rates over sysUpTime; no rate on the first sample', () => {
    const r = new RateTracker(10);
    assert.equal(r.update('d', 1000, 0, sample(100)), undefined);
    assert.deepEqual(r.update('d', 2000, 99_999, sample(1100)), { t: { '1': { c: 100 } } });
  });

  it('a Counter32 that went down wrapped at 2^32', () => {
    const r = new RateTracker(10);
    r.update('d', 0, 0, sample(2 ** 32 - 10));
    assert.deepEqual(r.update('d', 100, 0, sample(10)), { t: { '1': { c: 20 } } });
  });

  it('a Counter64 that went down was reset: no rate; values above 2^53 keep precision', () => {
    const r = new RateTracker(10);
    r.update('d', 0, 0, sample(2n ** 60n + 5n));
    assert.deepEqual(r.update('d', 100, 0, sample(2n ** 60n + 105n)), { t: { '1': { c: 100 } } });
    assert.deepEqual(r.update('d', 200, 0, sample(5, true)), {});
    // crossing 2^53: the previous value a number, the new one a bigint
    r.update('d', 300, 0, sample(2 ** 53 - 10, true));
    assert.deepEqual(r.update('d', 400, 0, sample(2n ** 53n + 10n)), { t: { '1': { c: 20 } } });
  });

  /** An interfaces row: 32-bit and HC octets, and what the row says about its counters. */
  const ifRow = (
    rows: Record<string, { in32: number; hc?: number; speedBps?: number; disc?: number }>,
  ): CounterSample =>
    new Map([
      [
        'interfaces',
        {
          counter64: new Set(['hc']),
          rows: new Map(
            Object.entries(rows).map(([i, r]) => [
              i,
              r.hc === undefined ? { in32: r.in32 } : { in32: r.in32, hc: r.hc },
            ]),
          ),
          info: new Map(
            Object.entries(rows).map(([i, r]) => [
              i,
              {
                ...(r.speedBps === undefined ? {} : { speedBps: r.speedBps }),
                ...(r.disc === undefined ? {} : { discontinuity: r.disc }),
              },
            ]),
          ),
        },
      ],
    ]);

  it('a Counter32 drop faster than the link allows was a reset, not a wrap: no rate', () => {
    const r = new RateTracker(10);
    // 1 MB/s link (8 Mbit/s), 10 s: a wrap from 3e9 to 1e6 would mean ~130 MB/s.
    r.update('d', 0, 0, ifRow({ '1': { in32: 3_000_000_000, speedBps: 8e6 } }));
    assert.deepEqual(
      r.update('d', 1000, 0, ifRow({ '1': { in32: 1_000_000, speedBps: 8e6 } })),
      {},
    );
    // A genuine wrap on the same link: 2^32 - 1e6 → 4e6 is 5 MB in 10 s, 4 Mbit/s.
    r.update('d', 2000, 0, ifRow({ '1': { in32: 2 ** 32 - 1_000_000, speedBps: 8e6 } }));
    assert.deepEqual(r.update('d', 3000, 0, ifRow({ '1': { in32: 4_000_000, speedBps: 8e6 } })), {
      interfaces: { '1': { in32: 500_000 } },
    });
  });

  it('the HC counter of the row went down too: the 32-bit counter was reset, no rate for the row', () => {
    const r = new RateTracker(10);
    r.update(
      'd',
      0,
      0,
      ifRow({ '1': { in32: 4_000_000_000, hc: 4_000_000_000 }, '2': { in32: 10, hc: 10 } }),
    );
    assert.deepEqual(
      r.update('d', 1000, 0, ifRow({ '1': { in32: 500, hc: 500 }, '2': { in32: 110, hc: 110 } })),
      { interfaces: { '2': { in32: 10, hc: 10 } } },
    );
  });

  it('ifCounterDiscontinuityTime moved: no rates for that row, even if the counters went up', () => {
    const r = new RateTracker(10);
    r.update('d', 0, 0, ifRow({ '1': { in32: 100, disc: 0 }, '2': { in32: 100, disc: 0 } }));
    assert.deepEqual(
      r.update('d', 1000, 0, ifRow({ '1': { in32: 300, disc: 950 }, '2': { in32: 300, disc: 0 } })),
      { interfaces: { '2': { in32: 20 } } },
    );
    assert.deepEqual(r.update('d', 2000, 0, ifRow({ '1': { in32: 400, disc: 950 } })), {
      interfaces: { '1': { in32: 10 } },
    });
  });

  it('sysUpTime went backwards (agent restarted): no rates at all', () => {
    const r = new RateTracker(10);
    r.update('d', 5000, 0, sample(100));
    assert.equal(r.update('d', 100, 0, sample(200)), undefined);
    assert.deepEqual(r.update('d', 200, 0, sample(300)), { t: { '1': { c: 100 } } });
  });

  it('is bounded: the least recently polled device is dropped', () => {
    const r = new RateTracker(2);
    r.update('a', 0, 0, sample(1));
    r.update('b', 0, 0, sample(1));
    r.update('c', 0, 0, sample(1));
    assert.equal(r.size, 2);
    assert.equal(r.update('a', 100, 0, sample(2)), undefined);
  });
});

describe('wire helpers', () => {
  it('compareOids orders numerically, component by component', () => {
    assert.equal(compareOids('1.3.6.1.2', '1.3.6.1.10'), -1);
    assert.equal(compareOids('1.3.6.1.2.1', '1.3.6.1.2'), 1);
    assert.equal(compareOids('1.3.6', '1.3.6'), 0);
    assert.equal(compareOids('1.3.6.1.4.1.9', '1.3.6.1.4.1.10.1'), -1);
  });

  it('peekRequestId reads the v2c request-id and the v3 msgID without decoding', () => {
    // v2c GetResponse, community "ab", request-id 0x01020304
    const v2 = Buffer.from('301602010104026162a20d0204010203040201000201003000', 'hex');
    assert.equal(peekRequestId(v2), 0x01020304);
    // v3: version 3, msgGlobalData { msgID 77, ... }
    const v3 = Buffer.from('3011020103300c02014d020300ffe3040104020103', 'hex');
    assert.equal(peekRequestId(v3), 77);
    assert.equal(peekRequestId(Buffer.from([0x30, 0x03, 0x02])), undefined);
  });
});

describe('EngineRegistry', () => {
  it('stores engines per device and reports a second device with the same engine id', async () => {
    const reg = new EngineRegistry(new MemorySharedState(), systemClock, 60_000);
    const rec = { engineId: 'abcd', boots: 1, time: 10, at: Date.now(), endpoint: '10.0.0.1:161' };
    assert.equal(await reg.save('a', rec), undefined);
    assert.equal(await reg.save('a', rec), undefined);
    assert.deepEqual(await reg.load('a'), rec);
    assert.equal(await reg.save('b', { ...rec, endpoint: '10.0.0.2:161' }), 'a');
    // Same address (two rows for one agent, e.g. two contexts) is not a clone.
    assert.equal(await reg.save('c', { ...rec, endpoint: '10.0.0.2:161' }), undefined);
  });

  it('does not report a claim whose device now answers with another engine id', async () => {
    const reg = new EngineRegistry(new MemorySharedState(), systemClock, 60_000);
    const rec = { engineId: 'abcd', boots: 1, time: 10, at: Date.now(), endpoint: '10.0.0.1:161' };
    await reg.save('a', rec);
    assert.equal(await reg.save('b', { ...rec, endpoint: '10.0.0.2:161' }), 'a');
    // b, the clone, is given an engine id of its own; its claim on abcd is left behind.
    await reg.save('b', { ...rec, engineId: 'ef01', endpoint: '10.0.0.2:161' });
    assert.equal(await reg.save('a', rec), undefined);
  });
});

describe('Counter64 decoding', () => {
  it('is a number up to 2^53 and an exact string above, whatever the encoded length', async () => {
    const { counter64, counterToJson } = await import('@pollfleet/collector-snmp');
    const be = (v: bigint, len: number): Buffer => {
      const b = Buffer.alloc(len);
      for (let i = len - 1, x = v; i >= 0; i--, x >>= 8n) b[i] = Number(x & 0xffn);
      return b;
    };
    for (const v of [
      0n,
      1n,
      255n,
      2n ** 32n + 7n,
      2n ** 48n - 1n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 64n - 1n,
    ]) {
      for (const len of [8, 9]) {
        assert.equal(
          String(counterToJson(counter64(be(v, len)))),
          v.toString(),
          `${v} in ${len} bytes`,
        );
      }
    }
    assert.equal(counterToJson(counter64(be(2n ** 53n - 1n, 8))), Number.MAX_SAFE_INTEGER);
    assert.equal(counterToJson(counter64(be(2n ** 64n - 1n, 9))), '18446744073709551615');
    assert.equal(counter64(Buffer.from([0x01, 0x00])), 256);
  });
});
