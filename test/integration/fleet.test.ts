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
const TTL = INTERVAL + TIMEOUT + MARGIN;
const DEVICES = 300;

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

  it('polls every device once per interval across both pods, never twice', async () => {
    ids = await insert(Array.from({ length: DEVICES }, (_, i) => `dev-${i}`));
    const a = start('pod-a');
    const b = start('pod-b');
    await Promise.all([a.running(), b.running()]);
    await sleep(2 * INTERVAL); // both are polling
    const from = Date.now();
    await sleep(5 * INTERVAL);
    const to = Date.now();
    const window = recorder.polls.filter((p) => p.at >= from && p.at < to);
    for (const id of ids) {
      const n = window.filter((p) => p.deviceId === id).length;
      assert.ok(n >= 4 && n <= 6, `device ${id} was polled ${n} times in 5 intervals`);
    }
    // Which pod holds which device depends on who reached each slot first (a pod that starts
    // an interval later may get none); spreading work evenly is the fleet-ownership stage's job.
    assertNoDoublePolls();
  });

  it('starts polling inserted rows and stops deleted ones within seconds', async () => {
    const added = await insert(['new-1', 'new-2', 'new-3']);
    const t0 = Date.now();
    await eventually(
      () => added.every((id) => recorder.pollsOf(id).length > 0),
      10_000,
      'new devices polled',
    );
    const startedIn = Date.now() - t0;
    assert.ok(startedIn < INTERVAL + 2000, `new devices polled after ${startedIn} ms`);
    const removed = ids.slice(0, 5);
    await inv.db.query(`delete from ${inv.schema}.devices where id = any($1::bigint[])`, [removed]);
    await sleep(1500);
    const count = () => recorder.polls.filter((p) => removed.includes(p.deviceId)).length;
    const settled = count();
    await sleep(3 * INTERVAL);
    assert.equal(count(), settled, 'deleted devices are no longer polled');
    ids = ids.slice(5).concat(added);
  });

  let survivor: PollerProcess | undefined;
  let survivorName = '';

  it('kill -9 of one pod: the other polls its devices within the lease TTL', async () => {
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
    await eventually(
      () => [...held].every((id) => firstBySurvivor(id) !== undefined),
      TTL + 5000,
      'the survivor takes over',
    );
    const worst = Math.max(...[...held].map((id) => firstBySurvivor(id)!.at - killedAt));
    // The lease expires at most TTL after the kill and the survivor polls at that expiry
    // (exactly, on a fake clock: packages/core/test/leases.test.ts). Two intervals of slack
    // absorb event-loop delay of three processes sharing two loaded cores.
    assert.ok(worst <= TTL + 2 * INTERVAL, `takeover took ${worst} ms; lease TTL is ${TTL} ms`);
    assertNoDoublePolls();
  });

  it('SIGTERM hands devices over at their next slot, without waiting for the TTL, and exits 0', async () => {
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
    const firstByC = (id: string) =>
      recorder.polls.find((p) => p.deviceId === id && p.pod === 'pod-c' && p.at > termAt);
    await eventually(
      () => [...held].every((id) => firstByC(id) !== undefined),
      TTL + 5000,
      'pod-c takes over',
    );
    const worst = Math.max(...[...held].map((id) => firstByC(id)!.at - termAt));
    // Waiting for expiry would take at least TTL - interval after the last extend; a released
    // lease is taken at the device's next slot.
    assert.ok(worst < TTL - INTERVAL, `handoff took ${worst} ms (TTL ${TTL} ms)`);
    // At most the one slot that fell due while the pod was releasing is lost; most lose none.
    let skipped = 0;
    for (const id of held) {
      const slots = recorder
        .pollsOf(id)
        .filter((p) => p.at > termAt - 3 * INTERVAL)
        .map((p) => p.scheduledFor);
      for (let i = 1; i < slots.length; i++) {
        const gap = slots[i]! - slots[i - 1]!;
        assert.ok(gap <= 2 * INTERVAL, `device ${id}: ${gap} ms between polls`);
        if (gap > INTERVAL) skipped++;
      }
    }
    assert.ok(
      skipped <= held.size / 10,
      `${skipped} of ${held.size} devices lost a slot in the handoff`,
    );
    assertNoDoublePolls();
  });

  it('backs a failing device off exponentially and recovers', async () => {
    const [victim] = await insert(['flaky']);
    await eventually(() => recorder.pollsOf(victim!).length > 0, 10_000, 'flaky polled');
    recorder.behave(victim!, { fail: 'transient', holdMs: 5 });
    const failFrom = Date.now();
    await sleep(16 * INTERVAL);
    const failing = recorder.pollsOf(victim!).filter((p) => p.at >= failFrom);
    // Healthy: 16 polls. With 3 failures then backoffs of ~1, 2, 4, 8 s: about 6.
    assert.ok(failing.length >= 4 && failing.length <= 8, `${failing.length} polls while failing`);
    const gaps = failing.slice(1).map((p, i) => p.scheduledFor - failing[i]!.scheduledFor);
    assert.ok(gaps.at(-1)! >= 4 * INTERVAL, `backoff grew: gaps ${gaps.join(',')}`);
    recorder.behave(victim!, undefined);
    const healedAt = Date.now();
    await eventually(
      () => recorder.pollsOf(victim!).filter((p) => p.at > healedAt).length >= 3,
      20_000,
      'recovery',
    );
    const after = recorder.pollsOf(victim!).filter((p) => p.at > healedAt);
    assert.equal(
      after.at(-1)!.scheduledFor - after.at(-2)!.scheduledFor,
      INTERVAL,
      'back to one poll per interval',
    );
  });
});
