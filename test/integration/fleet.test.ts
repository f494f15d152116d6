import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FleetKeys, deleteFleetKeys } from '@pollfleet/coordination-redis';
import { ProbeRecorder } from '@pollfleet/testing';
import { PollerProcess } from './poller-process.js';
import { TestInventory, eventually, probePollerEnv, sleep, REDIS_URL } from './support.js';

const INTERVAL = 1000;
const TIMEOUT = 500;
const MARGIN = 3000;
const DEVICES = 300;
/**
 * Deadlines below only bound a hung test; they are not the assertion. How fast things happen
 * (takeover at lease expiry, handoff at the next slot, backoff steps, one poll per interval)
 * is asserted exactly on the fake clock in packages/core/test (leases, scheduler,
 * breaker-engine, reconciler). Here, with three processes sharing two loaded cores, only what
 * is about processes is asserted: who polls, in which order, and what each leaves in Redis.
 */
const DEADLINE = 60_000;

describe('two poller processes on one PostgreSQL and one Redis', { timeout: 180_000 }, () => {
  const prefix = `it-${randomBytes(4).toString('hex')}`;
  const recorder = new ProbeRecorder();
  const pods: PollerProcess[] = [];
  let inv: TestInventory;
  let port = 0;

  const start = (pod: string): PollerProcess => {
    const p = new PollerProcess(
      probePollerEnv(inv.schema, {
        POLLFLEET_REDIS_URL: REDIS_URL,
        POLLFLEET_KEY_PREFIX: prefix,
        POLLFLEET_POD_ID: pod,
        POLLFLEET_LEASE_MARGIN_MS: String(MARGIN),
        POLLFLEET_REFRESH_MS: '5000',
        POLLFLEET_CONCURRENCY: '128',
      }),
    );
    pods.push(p);
    return p;
  };
  const insert = (names: string[]): Promise<string[]> =>
    inv.insertProbes(names, port, INTERVAL, TIMEOUT);
  /** Every (device, slot) polled at most once, and no device polled by two pods at once. */
  const assertNoDoublePolls = (): void => {
    assert.deepEqual(recorder.overlaps, [], 'two pollers polled one device at the same time');
    const seen = new Set<string>();
    const dups: string[] = [];
    for (const p of recorder.polls) {
      const k = `${p.deviceId}@${p.scheduledFor}`;
      if (seen.has(k)) dups.push(k);
      seen.add(k);
    }
    assert.deepEqual(dups, [], 'a slot was polled twice');
  };

  before(async () => {
    port = await recorder.listen();
    inv = await TestInventory.create('fleet');
  });

  after(async () => {
    for (const p of pods) p.kill('SIGKILL');
    await Promise.all(pods.map((p) => p.exited));
    await inv.drop();
    await recorder.close();
    const redis = new Redis(REDIS_URL);
    await deleteFleetKeys(redis, new FleetKeys(prefix));
    redis.disconnect();
  });

  let ids: string[] = [];

  it('polls every device across both pods, never a slot twice', async () => {
    ids = await insert(Array.from({ length: DEVICES }, (_, i) => `dev-${i}`));
    const a = start('pod-a');
    const b = start('pod-b');
    await Promise.all([a.running(), b.running()]);
    const from = Date.now();
    // Every device keeps being polled (three polls each after both pods run); how many per
    // interval is the scheduler's, checked on the fake clock.
    await eventually(
      () => ids.every((id) => recorder.pollsOf(id).filter((p) => p.at >= from).length >= 3),
      DEADLINE,
      'every device polled repeatedly by the fleet',
    );
    // Which pod holds which device depends on who reached each slot first (a pod that starts
    // an interval later may get none); spreading work evenly is the fleet-ownership stage's job.
    assertNoDoublePolls();
  });

  it('starts polling inserted rows and stops deleted ones', async () => {
    const added = await insert(['new-1', 'new-2', 'new-3']);
    await eventually(
      () => added.every((id) => recorder.pollsOf(id).length > 0),
      DEADLINE,
      'new devices polled',
    );
    const removed = ids.slice(0, 5);
    await inv.db.query(`delete from ${inv.schema}.devices where id = any($1::bigint[])`, [removed]);
    const count = () => recorder.polls.filter((p) => removed.includes(p.deviceId)).length;
    // Stopped: no poll of a deleted device in three intervals, while the others go on.
    await eventually(
      async () => {
        const [mine, others] = [count(), recorder.polls.length];
        await sleep(3 * INTERVAL);
        return count() === mine && recorder.polls.length > others;
      },
      DEADLINE,
      'deleted devices no longer polled',
    );
    ids = ids.slice(5).concat(added);
  });

  let survivor: PollerProcess | undefined;
  let survivorName = '';

  it('kill -9 of one pod: the other takes its devices over once their leases expire', async () => {
    // Kill the pod that polled the most devices lately.
    const recent = recorder.polls.filter((p) => p.at > Date.now() - 2 * INTERVAL);
    const aShare = recent.filter((p) => p.pod === 'pod-a').length;
    const [victimName, victim] =
      aShare * 2 >= recent.length ? ['pod-a', pods[0]!] : ['pod-b', pods[1]!];
    [survivorName, survivor] = victimName === 'pod-a' ? ['pod-b', pods[1]!] : ['pod-a', pods[0]!];
    const held = new Set(recent.filter((p) => p.pod === victimName).map((p) => p.deviceId));
    assert.ok(held.size > 20, `${victimName} had devices`);
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const firstBySurvivor = (id: string) =>
      recorder.polls.find((p) => p.deviceId === id && p.pod === survivorName && p.at > killedAt);
    // The survivor takes every device over once the dead pod's leases expire (exactly at
    // expiry, on the fake clock: packages/core/test/leases.test.ts).
    await eventually(
      () => [...held].every((id) => firstBySurvivor(id) !== undefined),
      DEADLINE,
      'the survivor takes over',
    );
    assertNoDoublePolls();
  });

  it('SIGTERM releases every lease before exiting 0, and another pod takes the devices over', async () => {
    const b = survivor!;
    const c = start('pod-c');
    await c.running();
    await sleep(2 * INTERVAL);
    const held = new Set(
      recorder.polls
        .filter((p) => p.pod === survivorName && p.at > Date.now() - INTERVAL)
        .map((p) => p.deviceId),
    );
    assert.ok(held.size > 100, `${survivorName} holds the devices`);
    b.kill('SIGTERM');
    const termAt = Date.now();
    const exit = await b.exited;
    assert.equal(exit.code, 0, `${survivorName} exit ${JSON.stringify(exit)}: ${b.stderr}`);
    // Handed over, not left to expire: by the time the pod has exited it holds no lease (its
    // leases would otherwise live on for up to the TTL). Ordering, not timing, so load cannot
    // make it flaky; that pod-c then polls at the next slot is checked on the fake clock
    // (packages/core/test/leases.test.ts, graceful stop).
    const redis = new Redis(REDIS_URL);
    try {
      const keys = new FleetKeys(prefix);
      const tokens = await Promise.all([...held].map((id) => redis.hget(keys.lease(id), 'token')));
      const stillHeld = tokens.filter((t) => t?.startsWith(`${survivorName}:`));
      assert.deepEqual(stillHeld, [], `${survivorName} exited still holding leases`);
    } finally {
      redis.disconnect();
    }
    const firstByC = (id: string) =>
      recorder.polls.find((p) => p.deviceId === id && p.pod === 'pod-c' && p.at > termAt);
    await eventually(
      () => [...held].every((id) => firstByC(id) !== undefined),
      DEADLINE,
      'pod-c takes over',
    );
    assertNoDoublePolls();
  });

  it('backs a failing device off, with the breaker state in Redis, and recovers', async () => {
    const [victim] = await insert(['flaky']);
    await eventually(() => recorder.pollsOf(victim!).length > 0, 10_000, 'flaky polled');
    recorder.behave(victim!, { fail: 'transient', holdMs: 5 });
    // The breaker opens again and again (each time for longer, base × 2^(n-1): the exact steps
    // are checked on the fake clock in packages/core/test/breaker-engine.test.ts), and its
    // state lives in Redis, where any pod that takes the device over finds it.
    const redis = new Redis(REDIS_URL);
    const breakerKey = new FleetKeys(prefix).breaker(victim!);
    const breaker = async (): Promise<{ state: string; openings: number } | undefined> => {
      const raw = await redis.get(breakerKey);
      return raw === null ? undefined : (JSON.parse(raw) as { state: string; openings: number });
    };
    try {
      await eventually(
        async () => ((await breaker())?.openings ?? 0) >= 3,
        DEADLINE,
        'the breaker opened three times',
      );
      assert.notEqual((await breaker())?.state, 'closed', 'still failing');
      recorder.behave(victim!, undefined);
      const healedAt = Date.now();
      // Recovered: closed in Redis, and polled on consecutive slots again.
      await eventually(
        async () => {
          const after = recorder.pollsOf(victim!).filter((p) => p.at > healedAt);
          const consecutive = after
            .slice(1)
            .some((p, i) => p.scheduledFor - after[i]!.scheduledFor === INTERVAL);
          return consecutive && (await breaker())?.state === 'closed';
        },
        DEADLINE,
        'recovery to one poll per interval',
      );
    } finally {
      redis.disconnect();
    }
  });
});
