import type { Membership, PodMember } from './membership.js';
import type { OwnershipFilter } from './ownership.js';

/** What {@link RendezvousOwnership} reads from a {@link Membership}. */
export type MembershipView = Pick<Membership, 'podId' | 'capacity' | 'members' | 'onChange'>;

/**
 * The pod that owns `deviceId` among `members` by weighted rendezvous (highest random weight)
 * hashing: each (pod, device) pair gets a uniform hash u in (0, 1) and the score
 * `capacity / -ln(u)`; the highest score wins, ties to the smaller pod id. A pod's expected share
 * is its capacity over the total, and when a pod joins or leaves only the devices it gains or
 * loses move. Pure: every pod with the same member list computes the same owner.
 * Undefined when `members` is empty.
 */
export function rendezvousOwner(
  deviceId: string,
  members: readonly PodMember[],
): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const { podId, capacity } of members) {
    const score = capacity / -Math.log((hash(podId, deviceId) + 0.5) / 0x1_0000_0000);
    if (score > bestScore || (score === bestScore && best !== undefined && podId < best)) {
      best = podId;
      bestScore = score;
    }
  }
  return best;
}

/**
 * {@link OwnershipFilter} over a {@link Membership} by {@link rendezvousOwner}. This pod always
 * counts itself as a member, so a failed heartbeat does not make it drop its share; with no
 * members known it owns everything (the lease decides). Leases still guard every poll: during a
 * membership change two pods may both think they own a device for a moment, and only one gets
 * the lease.
 */
export class RendezvousOwnership implements OwnershipFilter {
  readonly #membership: MembershipView;
  #pods: readonly PodMember[] = [];

  constructor(membership: MembershipView) {
    this.#membership = membership;
    this.#update(membership.members());
    membership.onChange((members) => this.#update(members));
  }

  owns(deviceId: string): boolean {
    return rendezvousOwner(deviceId, this.#pods) === this.#membership.podId;
  }

  onChange(listener: () => void): () => void {
    return this.#membership.onChange(() => listener());
  }

  #update(members: readonly PodMember[]): void {
    const { podId, capacity } = this.#membership;
    this.#pods = members.some((m) => m.podId === podId)
      ? members
      : [...members, { podId, capacity }];
  }
}

/** FNV-1a over pod, NUL, device, then the murmur3 finalizer for avalanche. Unsigned 32-bit. */
function hash(pod: string, deviceId: string): number {
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
