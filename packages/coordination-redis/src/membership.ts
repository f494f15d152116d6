import type { Clock, Membership, PodMember, TimerHandle } from '@pollfleet/core';
import {
  ConfigError,
  checkCapacity,
  normaliseMembers,
  sameMembers,
  systemClock,
} from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { wrapRedis } from './errors.js';
import { FleetKeys } from './keys.js';
import { defineFleetCommands } from './scripts.js';
import type { FleetCommands } from './scripts.js';

export interface RedisMembershipOptions {
  /** This pod's id, unique in the fleet; no `#`. */
  podId: string;
  /**
   * This pod's share of the devices relative to the others (a positive integer).
   * @defaultValue 1
   */
  capacity?: number;
  /**
   * Where the keys live.
   * @defaultValue `new FleetKeys('pollfleet')`
   */
  keys?: FleetKeys;
  /**
   * Time between heartbeats.
   * @defaultValue 5000
   */
  heartbeatMs?: number;
  /**
   * How long a pod counts as alive after its last heartbeat; more than `heartbeatMs`.
   * @defaultValue 3 × heartbeatMs
   */
  ttlMs?: number;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** Called when a heartbeat fails; the last known members stay in effect. */
  onError?: (err: Error) => void;
}

export interface ResolvedRedisMembershipOptions {
  readonly podId: string;
  readonly capacity: number;
  readonly keys: FleetKeys;
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly onError: (err: Error) => void;
}

export function resolveRedisMembershipOptions(
  o: RedisMembershipOptions,
): ResolvedRedisMembershipOptions {
  if (o.podId.length === 0 || o.podId.includes('#')) {
    throw new ConfigError('membership.podId', 'must be non-empty, without "#"');
  }
  const capacity = checkCapacity(o.capacity, 'membership.capacity');
  const heartbeatMs = o.heartbeatMs ?? 5_000;
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 1) {
    throw new ConfigError('membership.heartbeatMs', 'must be a positive integer');
  }
  const ttlMs = o.ttlMs ?? 3 * heartbeatMs;
  if (!Number.isInteger(ttlMs) || ttlMs <= heartbeatMs) {
    throw new ConfigError('membership.ttlMs', 'must be an integer above membership.heartbeatMs');
  }
  return {
    podId: o.podId,
    capacity,
    keys: o.keys ?? new FleetKeys(),
    heartbeatMs,
    ttlMs,
    clock: o.clock ?? systemClock,
    onError: o.onError ?? (() => undefined),
  };
}

type MembershipState = 'idle' | 'running' | 'stopped';

/**
 * {@link Membership} on Redis: each pod heartbeats into the sorted set `FleetKeys.members()`
 * (scored by expiry on the Redis clock) and learns the live set in the same round trip. Feed it
 * to core's `RendezvousOwnership` so each pod schedules only its share of the devices.
 * A member is stored as `<podId>` (capacity 1) or `<podId>#<capacity>`.
 */
export class RedisMembership implements Membership {
  readonly #redis: Redis & FleetCommands;
  readonly #o: ResolvedRedisMembershipOptions;
  readonly #listeners = new Set<(members: readonly PodMember[]) => void>();
  readonly #self: string;
  #members: readonly PodMember[] = [];
  #state: MembershipState = 'idle';
  #timer: TimerHandle | undefined;
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(redis: Redis, options: RedisMembershipOptions) {
    this.#o = resolveRedisMembershipOptions(options);
    this.#redis = defineFleetCommands(redis);
    this.#self = encodeMember({ podId: this.#o.podId, capacity: this.#o.capacity });
  }

  get podId(): string {
    return this.#o.podId;
  }

  get capacity(): number {
    return this.#o.capacity;
  }

  /** Live pods at the last successful heartbeat, sorted. Empty before the first. */
  members(): readonly PodMember[] {
    return this.#members;
  }

  /** Called with the new member list whenever it changes; returns an unsubscribe. */
  onChange(listener: (members: readonly PodMember[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Joins and keeps beating. The first heartbeat is awaited and rejects if Redis is unreachable;
   * beating goes on in the background either way until `stop()`.
   */
  async start(): Promise<void> {
    if (this.#state !== 'idle')
      throw new ConfigError('membership', `cannot start when ${this.#state}`);
    this.#state = 'running';
    try {
      await this.heartbeat();
    } finally {
      this.#schedule();
    }
  }

  /** Stops beating and leaves at once, so the others take over this pod's share now. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#inFlight.catch(() => undefined);
    await wrapRedis('membership.leave', () => this.#redis.zrem(this.#o.keys.members(), this.#self));
  }

  /** One heartbeat; resolves to the live members. */
  async heartbeat(): Promise<readonly PodMember[]> {
    const { keys, ttlMs } = this.#o;
    const beat = wrapRedis('membership.heartbeat', () =>
      this.#redis.pollfleetHeartbeat(keys.members(), this.#self, ttlMs),
    );
    this.#inFlight = beat;
    const live = normaliseMembers((await beat).map(decodeMember));
    if (this.#state !== 'stopped' && !sameMembers(live, this.#members)) {
      this.#members = live;
      for (const listener of this.#listeners) listener(live);
    }
    return live;
  }

  #schedule(): void {
    if (this.#state !== 'running') return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.heartbeat().then(
        () => this.#schedule(),
        (err: unknown) => {
          this.#o.onError(err instanceof Error ? err : new Error(String(err)));
          this.#schedule();
        },
      );
    }, this.#o.heartbeatMs);
  }
}

function encodeMember(m: PodMember): string {
  return m.capacity === 1 ? m.podId : `${m.podId}#${m.capacity}`;
}

/** A pod that predates capacities (a bare id) counts as capacity 1. */
function decodeMember(entry: string): PodMember {
  const at = entry.lastIndexOf('#');
  const capacity = at < 0 ? 1 : Number(entry.slice(at + 1));
  return at < 0 || !Number.isInteger(capacity) || capacity < 1
    ? { podId: entry, capacity: 1 }
    : { podId: entry.slice(0, at), capacity };
}
