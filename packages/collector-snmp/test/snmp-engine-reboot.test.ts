import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testRedisUrl } from '@pollfleet/testing/services';

import { snmpKeys } from '@pollfleet/collector-snmp';
import type {
  EngineRecord,
  SnmpCollector,
  SnmpOptions,
  SnmpPollData,
} from '@pollfleet/collector-snmp';
import { deleteFleetKeys, FleetKeys, RedisSharedState } from '@pollfleet/coordination-redis';
import { namespacedSharedState } from '@pollfleet/core';
import type { DeviceSpec, SharedStateStore } from '@pollfleet/core';
import { MemorySharedState } from '@pollfleet/testing';
import { SNMP_AGENT_SECRETS, startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import {
  capturingLogger,
  context,
  device,
  makeCollector,
  watchProcessErrors,
  AUTH_PRIV_OPTIONS,
} from './helpers.js';

// A real snmpd that keeps its persistent state across restarts, as a rebooted device does: the
// same engine id, snmpEngineBoots + 1 and snmpEngineTime from 0. A v3 session still holding the
// old boots is answered with a notInTimeWindow report; one holding another engine id with an
// unknownEngineID report. Either way the poll must succeed without anyone stepping in.

const processErrors = watchProcessErrors();
const authPriv = {
  ...AUTH_PRIV_OPTIONS,
  profile: { scalars: [{ name: 'name', oid: '1.3.6.1.2.1.1.5.0' }], tables: [] },
  timeoutMs: 1000,
  retries: 1,
};

type Engine = NonNullable<SnmpPollData['engine']>;

async function engineOf(
  c: SnmpCollector,
  d: DeviceSpec<SnmpOptions>,
  ctx = context(),
): Promise<Engine> {
  const r = await c.collect(d, ctx);
  assert.ok(r.data.scalars.name !== undefined, 'the poll returned no sysName');
  return r.data.engine!;
}

async function stored(shared: SharedStateStore, deviceId: string): Promise<EngineRecord> {
  const raw = await shared.get(snmpKeys.engine(deviceId));
  assert.ok(raw, `no shared engine record for ${deviceId}`);
  return JSON.parse(raw) as EngineRecord;
}

describe('v3 engine state follows a real agent that reboots or is replaced', () => {
  const agents: SnmpAgent[] = [];
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  const keys = new FleetKeys(`pftest-engine-${randomBytes(6).toString('hex')}`);
  /** The engine records as pods share them in a fleet: Redis, the collector's namespace. */
  const redisState = (): SharedStateStore =>
    namespacedSharedState(new RedisSharedState(redis, { namespace: 'collectors', keys }), 'snmp');
  before(async () => {
    await redis.connect();
  });
  const start = async (o?: Parameters<typeof startSnmpAgent>[0]): Promise<SnmpAgent> => {
    const a = await startSnmpAgent(o);
    agents.push(a);
    return a;
  };
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await deleteFleetKeys(redis, keys);
    redis.disconnect();
    assert.deepEqual(processErrors, []);
  });

  it('a reboot (same engine id, boots + 1) is followed by the very next poll and shared', async () => {
    const agent = await start();
    const shared = new MemorySharedState();
    const { logger, lines } = capturingLogger();
    const c = makeCollector({}, shared, logger);
    try {
      const d = device(c, agent.port, authPriv, { id: 'reboot' });
      const before = await engineOf(c, d);
      await agent.restart();
      const ctx = context(SNMP_AGENT_SECRETS, undefined, logger);
      const afterReboot = await engineOf(c, d, ctx);
      assert.equal(afterReboot.engineId, before.engineId);
      assert.equal(afterReboot.boots, before.boots + 1);
      const rec = await stored(shared, 'reboot');
      assert.equal(rec.engineId, before.engineId);
      assert.equal(rec.boots, before.boots + 1);
      // And it stays in sync.
      assert.equal((await engineOf(c, d)).boots, before.boots + 1);
      for (const secret of Object.values(SNMP_AGENT_SECRETS)) {
        assert.ok(!lines.some((l) => l.includes(secret)), 'a secret was logged');
      }
    } finally {
      await c.close();
    }
  });

  it('another pod seeded through Redis with the stale record (old boots and time) recovers', async () => {
    const agent = await start();
    const podA = makeCollector({}, redisState());
    const podB = makeCollector({}, redisState());
    try {
      const d = device(podA, agent.port, authPriv, { id: 'mover' });
      const before = await engineOf(podA, d);
      await agent.restart();
      await agent.restart();
      // Pod B starts from what pod A stored before the reboots: boots two behind.
      assert.equal((await stored(redisState(), 'mover')).boots, before.boots);
      const onB = await engineOf(podB, d);
      assert.equal(onB.engineId, before.engineId);
      assert.equal(onB.boots, before.boots + 2);
      assert.equal((await stored(redisState(), 'mover')).boots, before.boots + 2);
      // Pod A's own session is as stale; it recovers too.
      assert.equal((await engineOf(podA, d)).boots, before.boots + 2);
    } finally {
      await podA.close();
      await podB.close();
    }
  });

  it('a shared record whose time runs ahead of the agent (same boots) is resynchronised', async () => {
    // An agent whose engineBoots did not survive a reboot (or a clock that ran fast): the boots
    // match but the time is far outside the 150 s window, which only rediscovery repairs.
    const agent = await start();
    const shared = new MemorySharedState();
    const c = makeCollector({}, shared);
    try {
      const d = device(c, agent.port, authPriv, { id: 'ahead' });
      const e = await engineOf(c, d);
      const rec = await stored(shared, 'ahead');
      await shared.set(
        snmpKeys.engine('ahead'),
        JSON.stringify({ ...rec, time: rec.time + 10_000 }),
      );
      const podB = makeCollector({}, shared);
      try {
        const onB = await engineOf(podB, d);
        assert.deepEqual([onB.engineId, onB.boots], [e.engineId, e.boots]);
        assert.ok(onB.time < 10_000, `engine time ${onB.time} was not resynchronised`);
        assert.ok(
          (await stored(shared, 'ahead')).time < 10_000,
          'the shared record kept the bad time',
        );
      } finally {
        await podB.close();
      }
    } finally {
      await c.close();
    }
  });

  it('an agent replaced by one with another engine id (and lower boots) is rediscovered', async () => {
    const agent = await start();
    const shared = new MemorySharedState();
    const c = makeCollector({}, shared);
    try {
      const d = device(c, agent.port, authPriv, { id: 'replaced' });
      await engineOf(c, d);
      await agent.restart(); // boots 2, so the replacement's boots (1) go down
      const old = await engineOf(c, d);
      assert.equal(old.boots, 2);
      await agent.restart({ freshEngine: true });
      const fresh = await engineOf(c, d);
      assert.notEqual(fresh.engineId, old.engineId);
      assert.equal(fresh.boots, 1);
      const rec = await stored(shared, 'replaced');
      assert.equal(rec.engineId, fresh.engineId);
      assert.equal(rec.boots, 1);
      // A pod seeded from the record of the engine that is gone recovers as well.
      await shared.set(
        snmpKeys.engine('replaced'),
        JSON.stringify({ ...rec, engineId: old.engineId, boots: old.boots }),
      );
      const podB = makeCollector({}, shared);
      try {
        assert.equal((await engineOf(podB, d)).engineId, fresh.engineId);
      } finally {
        await podB.close();
      }
    } finally {
      await c.close();
    }
  });

  it('two agents configured with one engine id are reported, and both keep polling', async () => {
    const [a, b] = await Promise.all([
      start({ engineId: 'pollfleet-clone' }),
      start({ engineId: 'pollfleet-clone' }),
    ]);
    await b.restart(); // the clones' boots and time differ, as on real cloned devices
    const shared = new MemorySharedState();
    const c = makeCollector({ engineRefreshMs: 1 }, shared);
    try {
      const da = device(c, a.port, authPriv, { id: 'clone-a' });
      const db = device(c, b.port, authPriv, { id: 'clone-b' });
      const ea = await engineOf(c, da);
      const eb = await engineOf(c, db);
      assert.equal(eb.engineId, ea.engineId);
      assert.equal(eb.duplicateOf, 'clone-a');
      assert.notEqual(eb.boots, ea.boots);
      // Their boots and time do not fight: each device has its own session and record.
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await engineOf(c, da)).duplicateOf, 'clone-b');
      assert.equal((await engineOf(c, db)).duplicateOf, 'clone-a');
      assert.equal((await stored(shared, 'clone-a')).boots, ea.boots);
      assert.equal((await stored(shared, 'clone-b')).boots, eb.boots);
      // The clone is fixed (here: its row now names an agent with an engine id of its own). The
      // original stops being reported at its next record refresh, not a day later.
      const fixed = await start();
      const fresh = await engineOf(c, device(c, fixed.port, authPriv, { id: 'clone-b' }));
      assert.notEqual(fresh.engineId, ea.engineId);
      assert.equal(fresh.duplicateOf, undefined);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await engineOf(c, da)).duplicateOf, undefined);
    } finally {
      await c.close();
    }
  });
});
