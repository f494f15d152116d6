import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisMembership, RendezvousOwnership } from '@pollfleet/coordination-redis';
import type { FleetKeys, MembershipView } from '@pollfleet/coordination-redis';
import type { Redis } from 'ioredis';
import { openFixture } from './redis-fixture.js';

describe('RedisMembership', () => {
  let redis: Redis;
  let keys: FleetKeys;
  let cleanup: () => Promise<void>;

  before(async () => ({ redis, keys, cleanup } = await openFixture()));
  after(() => cleanup());

  it('pods see each other, a stopped pod leaves at once, a silent one expires', async () => {
    const opts = { keys, heartbeatMs: 40, ttlMs: 200 };
    const a = new RedisMembership(redis, { ...opts, podId: 'pod-a' });
    const b = new RedisMembership(redis, { ...opts, podId: 'pod-b' });
    const c = new RedisMembership(redis, { ...opts, podId: 'pod-c' });
    const seenByA: (readonly string[])[] = [];
    a.onChange((m) => seenByA.push(m));
    await a.start();
    await b.start();
    await c.heartbeat(); // c beats once and then falls silent, like a crashed pod
    assert.deepEqual(await a.heartbeat(), ['pod-a', 'pod-b', 'pod-c']);
    assert.deepEqual(a.members(), ['pod-a', 'pod-b', 'pod-c']);

    await b.stop();
    assert.deepEqual(await a.heartbeat(), ['pod-a', 'pod-c'], 'stop leaves at once');
    await sleep(250);
    assert.deepEqual(await a.heartbeat(), ['pod-a'], 'silent pod expired');
    assert.deepEqual(a.members(), ['pod-a']);
    assert.deepEqual(seenByA.at(-1), ['pod-a']);
    await a.stop();
    assert.equal(await redis.exists(keys.members()), 0);
  });

  it('rejects a ttl not above the heartbeat period', () => {
    assert.throws(() => new RedisMembership(redis, { podId: 'p', heartbeatMs: 100, ttlMs: 100 }), {
      code: 'CONFIG_INVALID',
    });
  });
});

class FakeMembership implements MembershipView {
  readonly #listeners = new Set<(m: readonly string[]) => void>();
  constructor(
    readonly podId: string,
    private list: readonly string[],
  ) {}
  members(): readonly string[] {
    return this.list;
  }
  onChange(listener: (m: readonly string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(list: readonly string[]): void {
    this.list = list;
    for (const l of this.#listeners) l(list);
  }
}

describe('RendezvousOwnership', () => {
  const devices = Array.from({ length: 3000 }, (_, i) => `dev-${i}`);
  const pods = ['pod-a', 'pod-b', 'pod-c'];

  function owners(views: FakeMembership[]): Map<string, string[]> {
    const filters = views.map((v) => new RendezvousOwnership(v));
    const out = new Map<string, string[]>();
    for (const d of devices) {
      out.set(
        d,
        views.filter((_, i) => filters[i]!.owns(d)).map((v) => v.podId),
      );
    }
    return out;
  }

  it('gives every device to exactly one pod, about evenly', () => {
    const own = owners(pods.map((p) => new FakeMembership(p, pods)));
    const count = new Map<string, number>();
    for (const [, o] of own) {
      assert.equal(o.length, 1);
      count.set(o[0]!, (count.get(o[0]!) ?? 0) + 1);
    }
    for (const p of pods) assert.ok(Math.abs(count.get(p)! - 1000) < 150, `${p}: ${count.get(p)}`);
  });

  it('moves only the leaving pod devices, and tells listeners', () => {
    const before = owners(pods.map((p) => new FakeMembership(p, pods)));
    const rest = ['pod-a', 'pod-c'];
    const after = owners(rest.map((p) => new FakeMembership(p, rest)));
    for (const d of devices) {
      if (before.get(d)![0] !== 'pod-b') assert.deepEqual(after.get(d), before.get(d));
      else assert.equal(after.get(d)!.length, 1);
    }
    const view = new FakeMembership('pod-a', pods);
    const filter = new RendezvousOwnership(view);
    let changes = 0;
    filter.onChange(() => changes++);
    view.set(rest);
    assert.equal(changes, 1);
  });

  it('counts itself in when missing from the list, and owns all when alone', () => {
    const alone = new RendezvousOwnership(new FakeMembership('pod-a', []));
    assert.ok(devices.every((d) => alone.owns(d)));
    const missing = new RendezvousOwnership(new FakeMembership('pod-a', ['pod-b', 'pod-c']));
    const full = new RendezvousOwnership(new FakeMembership('pod-a', pods));
    assert.ok(devices.every((d) => missing.owns(d) === full.owns(d)));
  });
});
