import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError, DeviceConfigError } from '@pollfleet/core';
import { SnmpCollector } from '@pollfleet/collector-snmp';
import type { SnmpCollectorOptions } from '@pollfleet/collector-snmp';
import { FakeClock, MemorySharedState, testLogger } from '@pollfleet/testing';
import { device } from './helpers.js';

// SnmpCollector.validate: the reconciler's check, when a row is read, that the profile the row
// names exists. A missing or broken profile is a bad row; a source that cannot be read is not.

const stored = { scalars: [{ name: 'x', oid: '1.3.6.1.2.1.1.5.0' }], tables: [] };

function collectorWith(profiles: Map<string, unknown>, over: SnmpCollectorOptions = {}) {
  const clock = new FakeClock();
  const reads: string[] = [];
  const c = new SnmpCollector(
    { logger: testLogger(), clock, sharedState: new MemorySharedState(clock) },
    {
      profileSource: {
        get: (name) => {
          reads.push(name);
          if (profiles.has('!down')) return Promise.reject(new Error('connection refused'));
          return Promise.resolve(profiles.get(name));
        },
      },
      ...over,
    },
  );
  return { c, clock, reads };
}

const badRow =
  (field: string, ...patterns: RegExp[]) =>
  (e: unknown) => {
    assert.ok(e instanceof DeviceConfigError, `not a DeviceConfigError: ${String(e)}`);
    assert.equal(e.field, field);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };

describe('SNMP profile check when the row is read', () => {
  it('a missing profile is a bad row naming options.profile and saying where to add it', async () => {
    const { c } = collectorWith(new Map());
    try {
      await assert.rejects(
        c.validate(device(c, 161, { profile: 'nosuch' }, { id: '42' })),
        badRow(
          'options.profile',
          /^device 42: options\.profile: /,
          /"nosuch" does not exist/,
          /snmp_profiles/,
        ),
      );
    } finally {
      await c.close();
    }
  });

  it('an invalid stored definition is a bad row naming what is wrong in it', async () => {
    const broken = { scalars: [{ name: 'x', oid: 'not-an-oid' }] };
    const { c } = collectorWith(new Map([['broken', broken]]));
    try {
      await assert.rejects(
        c.validate(device(c, 161, { profile: 'broken' })),
        badRow('options.profile', /scalars\[0\]\.oid/, /fix its definition/),
      );
    } finally {
      await c.close();
    }
  });

  it('default, inline and existing profiles pass; default and inline without a read', async () => {
    const { c, reads } = collectorWith(new Map([['mine', stored]]));
    try {
      await c.validate(device(c, 161, {}));
      await c.validate(device(c, 161, { profile: stored }));
      assert.deepEqual(reads, []);
      await c.validate(device(c, 161, { profile: 'mine' }));
      assert.deepEqual(reads, ['mine']);
    } finally {
      await c.close();
    }
  });

  it('an unreadable source is not a bad row (the poll-time check stays)', async () => {
    const { c } = collectorWith(new Map([['!down', true]]));
    try {
      await assert.rejects(
        c.validate(device(c, 161, { profile: 'mine' })),
        (e: unknown) =>
          !(e instanceof DeviceConfigError) &&
          e instanceof CollectError &&
          e.code === 'SNMP_PROFILE_UNAVAILABLE',
      );
    } finally {
      await c.close();
    }
  });

  it('follows profiles created and deleted: a miss is not remembered, a hit for a second', async () => {
    const profiles = new Map<string, unknown>();
    const { c, clock, reads } = collectorWith(profiles);
    const d = device(c, 161, { profile: 'later' });
    try {
      await assert.rejects(c.validate(d), badRow('options.profile'));
      profiles.set('later', stored);
      await c.validate(d);
      // Many rows naming one profile cost one read per second, not one per row.
      await c.validate(d);
      assert.equal(reads.length, 2);
      profiles.delete('later');
      await clock.advance(1_000);
      await assert.rejects(c.validate(d), badRow('options.profile', /does not exist/));
    } finally {
      await c.close();
    }
  });

  it('without a profile source, a named profile says to use default or an inline one', async () => {
    const c = new SnmpCollector({
      logger: testLogger(),
      clock: new FakeClock(),
      sharedState: new MemorySharedState(),
    });
    try {
      await assert.rejects(
        c.validate(device(c, 161, { profile: 'mine' })),
        badRow('options.profile', /no profile source/, /"default" or an inline profile/),
      );
    } finally {
      await c.close();
    }
  });
});
