import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MemoryBus,
  MemoryLeaseStore,
  MemoryMembership,
  MemoryMembershipGroup,
  MemorySharedState,
} from '@pollfleet/coordination-memory';
import { RendezvousOwnership } from '@pollfleet/core';
import type { PollResult } from '@pollfleet/core';
import { FakeClock } from '@pollfleet/testing';

function result(deviceId: string, scheduledFor: number): PollResult {
  return {
    v: 1,
    deviceId,
    deviceName: deviceId,
    collectorType: 't',
    podId: 'p',
    fence: 1,
    scheduledFor,
    startedAt: scheduledFor,
    durationMs: 0,
    ok: true,
  };
}

describe('MemoryBus', () => {
  it('keeps the last `capacity` results, hands each to subscribers, refuses after close', async () => {
    const bus = new MemoryBus({ capacity: 4 });
    const seen: number[] = [];
    bus.subscribe((r) => seen.push(r.scheduledFor));
    for (let i = 0; i < 20; i++) await bus.publish(result('d', i));
    assert.deepEqual(
      bus.recent().map((r) => r.scheduledFor),
      [16, 17, 18, 19],
    );
    assert.equal(seen.length, 20);
    await bus.close();
    await assert.rejects(bus.publish(result('d', 99)), { code: 'BUS_CLOSED' });
  });

  it('rejects a capacity that is not a positive integer', () => {
    assert.throws(() => new MemoryBus({ capacity: 0 }), { code: 'CONFIG_INVALID' });
  });
});

describe('MemorySharedState', () => {
  it('expires entries and sweeps the ones nobody reads again', async () => {
    const clock = new FakeClock();
    const state = new MemorySharedState(clock);
    await state.set('kept', 'v');
    for (let i = 0; i < 1000; i++) await state.set(`k${i}`, 'v', 10);
    assert.equal(await state.get('k1'), 'v');
    await clock.advance(10);
    assert.equal(await state.get('k1'), undefined);
    for (let i = 0; i < 100; i++) await state.set(`n${i}`, 'v', 1000); // crosses a sweep
    assert.ok(state.size <= 101, `${state.size} entries left`);
    assert.equal(await state.get('kept'), 'v');
  });
});

describe('MemoryLeaseStore', () => {
  it('fences increase on each new owner; the slot claimed survives a release', async () => {
    const clock = new FakeClock();
    const leases = new MemoryLeaseStore(clock);
    const a = await leases.acquire('d', 'a', 1000, 5);
    assert.ok(a.acquired);
    const b = await leases.acquire('d', 'b', 1000);
    assert.deepEqual(b, { acquired: false, remainingMs: 1000 });
    assert.equal(leases.holder('d'), 'a');
    assert.equal(await leases.release(a.lease), true);
    const c = await leases.acquire('d', 'b', 1000, 6);
    assert.ok(c.acquired);
    assert.ok(c.lease.fence > a.lease.fence);
    assert.equal(c.previousSlot, 5);
  });
});

describe('MemoryMembership', () => {
  it('pods of one group see each other join and leave; ownership follows', async () => {
    const group = new MemoryMembershipGroup();
    const a = new MemoryMembership({ podId: 'pod-a', group });
    const b = new MemoryMembership({ podId: 'pod-b', capacity: 2, group });
    const ownA = new RendezvousOwnership(a);
    let changes = 0;
    ownA.onChange(() => changes++);
    await a.start();
    await b.start();
    assert.deepEqual(a.members(), [
      { podId: 'pod-a', capacity: 1 },
      { podId: 'pod-b', capacity: 2 },
    ]);
    const devices = Array.from({ length: 300 }, (_, i) => String(i));
    const shareA = devices.filter((d) => ownA.owns(d)).length;
    assert.ok(shareA > 50 && shareA < 150, `pod-a owns ${shareA} of 300`);
    await b.stop();
    assert.deepEqual(a.members(), [{ podId: 'pod-a', capacity: 1 }]);
    assert.ok(devices.every((d) => ownA.owns(d)));
    assert.equal(changes, 3);
    await assert.rejects(
      new MemoryMembership({ podId: 'pod-a', group }).start(),
      /already a member/,
    );
  });

  it('a single pod is its own group', async () => {
    const m = new MemoryMembership({ podId: 'solo' });
    assert.deepEqual(m.members(), []);
    await m.start();
    assert.deepEqual(m.members(), [{ podId: 'solo', capacity: 1 }]);
    assert.throws(() => new MemoryMembership({ podId: 'x', capacity: 0 }), {
      code: 'CONFIG_INVALID',
    });
  });
});
