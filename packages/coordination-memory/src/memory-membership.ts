import type { Membership, PodMember } from '@pollfleet/core';
import { ConfigError, checkCapacity, normaliseMembers } from '@pollfleet/core';

/**
 * The pods of one process that see each other: what the members key in Redis is to a fleet.
 * One per process is enough; a single pod may leave it out.
 */
export class MemoryMembershipGroup {
  readonly #members = new Map<string, MemoryMembership>();

  /** Live members, sorted by pod id. */
  members(): PodMember[] {
    return normaliseMembers(
      [...this.#members.values()].map((m) => ({ podId: m.podId, capacity: m.capacity })),
    );
  }

  join(member: MemoryMembership): void {
    const other = this.#members.get(member.podId);
    if (other && other !== member) {
      throw new ConfigError('membership.podId', `pod id "${member.podId}" is already a member`);
    }
    this.#members.set(member.podId, member);
    this.#announce();
  }

  leave(member: MemoryMembership): void {
    if (this.#members.get(member.podId) !== member) return;
    this.#members.delete(member.podId);
    this.#announce();
  }

  #announce(): void {
    const list = this.members();
    for (const m of this.#members.values()) m.update(list);
  }
}

export interface MemoryMembershipOptions {
  podId: string;
  /** @defaultValue 1 */
  capacity?: number;
  /**
   * The pods this one sees.
   * @defaultValue a group of its own (a single pod)
   */
  group?: MemoryMembershipGroup;
}

/** {@link Membership} among the pods of one process (a single pod in the standalone mode). */
export class MemoryMembership implements Membership {
  readonly podId: string;
  readonly capacity: number;
  readonly #group: MemoryMembershipGroup;
  readonly #listeners = new Set<(members: readonly PodMember[]) => void>();
  #members: readonly PodMember[] = [];
  #joined = false;

  constructor(options: MemoryMembershipOptions) {
    if (options.podId.length === 0) throw new ConfigError('membership.podId', 'must be non-empty');
    this.podId = options.podId;
    this.capacity = checkCapacity(options.capacity, 'membership.capacity');
    this.#group = options.group ?? new MemoryMembershipGroup();
  }

  members(): readonly PodMember[] {
    return this.#members;
  }

  onChange(listener: (members: readonly PodMember[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.#joined) return Promise.resolve();
    try {
      this.#group.join(this);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.#joined = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    if (!this.#joined) return Promise.resolve();
    this.#joined = false;
    this.#group.leave(this);
    this.#members = [];
    return Promise.resolve();
  }

  /** Called by the group with the new member list. */
  update(members: readonly PodMember[]): void {
    this.#members = members;
    for (const l of this.#listeners) l(members);
  }
}
