import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RendezvousOwnership, rendezvousOwner } from '@pollfleet/core';
import type { MembershipView, PodMember } from '@pollfleet/core';

class FakeMembership implements MembershipView {
  readonly #listeners = new Set<(m: readonly PodMember[]) => void>();
  #list: readonly PodMember[];
  constructor(
    readonly podId: string,
    list: readonly (string | PodMember)[],
    readonly capacity = 1,
  ) {
    this.#list = members(list);
  }
  members(): readonly PodMember[] {
    return this.#list;
  }
  onChange(listener: (m: readonly PodMember[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(list: readonly string[]): void {
    this.#list = members(list);
    for (const l of this.#listeners) l(this.#list);
  }
}

function members(list: readonly (string | PodMember)[]): PodMember[] {
  return list.map((m) => (typeof m === 'string' ? { podId: m, capacity: 1 } : m));
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

  it('gives a pod a share of the devices in proportion to its capacity', () => {
    const weighted = [
      { podId: 'pod-a', capacity: 1 },
      { podId: 'pod-b', capacity: 2 },
      { podId: 'pod-c', capacity: 1 },
    ];
    const count = new Map<string, number>();
    for (const d of devices) {
      const owner = rendezvousOwner(d, weighted)!;
      count.set(owner, (count.get(owner) ?? 0) + 1);
    }
    // Expected 750 / 1500 / 750 of 3000; the hash is fixed, so this is deterministic.
    assert.ok(Math.abs(count.get('pod-b')! - 1500) < 120, `pod-b: ${count.get('pod-b')}`);
    for (const p of ['pod-a', 'pod-c']) {
      assert.ok(Math.abs(count.get(p)! - 750) < 120, `${p}: ${count.get(p)}`);
    }
    // Raising one pod's capacity only moves devices to it.
    const raised = weighted.map((m) => (m.podId === 'pod-a' ? { ...m, capacity: 3 } : m));
    for (const d of devices) {
      const before = rendezvousOwner(d, weighted);
      const after = rendezvousOwner(d, raised);
      if (after !== 'pod-a') assert.equal(after, before, d);
    }
    // A pod missing from the list is counted with its own capacity.
    const self = new RendezvousOwnership(new FakeMembership('pod-b', ['pod-a', 'pod-c'], 2));
    assert.ok(devices.every((d) => self.owns(d) === (rendezvousOwner(d, weighted) === 'pod-b')));
    assert.equal(rendezvousOwner('d', []), undefined);
  });
});
