import type { OwnershipFilter } from '@pollfleet/core';

/** What {@link RendezvousOwnership} needs from a membership (RedisMembership fits). */
export interface MembershipView {
  readonly podId: string;
  members(): readonly string[];
  onChange(listener: (members: readonly string[]) => void): () => void;
}

/**
 * {@link OwnershipFilter} by rendezvous (highest random weight) hashing: a device belongs to the
 * live pod with the highest hash of (pod, device). When a pod joins or leaves only the devices
 * it gains or loses move. This pod always counts itself as a member, so a failed heartbeat does
 * not make it drop its share; with no members known it owns everything (the lease decides).
 * Leases still guard every poll: during a membership change two pods may both think they own a
 * device for a moment, and only one gets the lease.
 */
export class RendezvousOwnership implements OwnershipFilter {
  readonly #membership: MembershipView;
  #pods: readonly string[] = [];

  constructor(membership: MembershipView) {
    this.#membership = membership;
    this.#update(membership.members());
    membership.onChange((members) => this.#update(members));
  }

  owns(deviceId: string): boolean {
    let best = '';
    let bestWeight = -1;
    for (const pod of this.#pods) {
      const w = weight(pod, deviceId);
      if (w > bestWeight || (w === bestWeight && pod < best)) {
        best = pod;
        bestWeight = w;
      }
    }
    return best === this.#membership.podId;
  }

  onChange(listener: () => void): () => void {
    return this.#membership.onChange(() => listener());
  }

  #update(members: readonly string[]): void {
    const self = this.#membership.podId;
    this.#pods = members.includes(self) ? members : [...members, self];
  }
}

/** FNV-1a over pod, NUL, device, then the murmur3 finalizer for avalanche. Unsigned 32-bit. */
function weight(pod: string, deviceId: string): number {
  let h = 0x811c9dc5;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  mix(pod);
  mix('\0');
  mix(deviceId);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
