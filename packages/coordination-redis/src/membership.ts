import type { Clock, TimerHandle } from '@pollfleet/core';
import { ConfigError, systemClock } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { wrapRedis } from './errors.js';
import { FleetKeys } from './keys.js';
import { defineFleetCommands } from './scripts.js';
import type { FleetCommands } from './scripts.js';

export interface RedisMembershipOptions {
  /** This pod's id, unique in the fleet. */
  podId: string;
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
  readonly keys: FleetKeys;
  readonly heartbeatMs: number;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly onError: (err: Error) => void;
}

export function resolveRedisMembershipOptions(
  o: RedisMembershipOptions,
): ResolvedRedisMembershipOptions {
  if (o.podId.length === 0) throw new ConfigError('membership.podId', 'must be non-empty');
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
    keys: o.keys ?? new FleetKeys(),
    heartbeatMs,
    ttlMs,
    clock: o.clock ?? systemClock,
    onError: o.onError ?? (() => undefined),
  };
}

type MembershipState = 'idle' | 'running' | 'stopped';

/**
 * Which pods are alive: each pod heartbeats into the sorted set `FleetKeys.members()` (scored
 * by expiry on the Redis clock) and learns the live set in the same round trip. Feed it to
 * {@link RendezvousOwnership} so each pod schedules only its share of the devices.
 */
export class RedisMembership {
  readonly #redis: Redis & FleetCommands;
  readonly #o: ResolvedRedisMembershipOptions;
  readonly #listeners = new Set<(members: readonly string[]) => void>();
  #members: readonly string[] = [];
  #state: MembershipState = 'idle';
  #timer: TimerHandle | undefined;
  #inFlight: Promise<unknown> = Promise.resolve();

  constructor(redis: Redis, options: RedisMembershipOptions) {
    this.#o = resolveRedisMembershipOptions(options);
    this.#redis = defineFleetCommands(redis);
  }

  get podId(): string {
    return this.#o.podId;
  }

  /** Live pods at the last successful heartbeat, sorted. Empty before the first. */
  members(): readonly string[] {
    return this.#members;
  }

  /** Called with the new member list whenever it changes; returns an unsubscribe. */
  onChange(listener: (members: readonly string[]) => void): () => void {
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
    await wrapRedis('membership.leave', () =>
      this.#redis.zrem(this.#o.keys.members(), this.#o.podId),
    );
  }

  /** One heartbeat; resolves to the live members. */
  async heartbeat(): Promise<readonly string[]> {
    const { keys, podId, ttlMs } = this.#o;
    const beat = wrapRedis('membership.heartbeat', () =>
      this.#redis.pollfleetHeartbeat(keys.members(), podId, ttlMs),
    );
    this.#inFlight = beat;
    const live = [...(await beat)].sort();
    if (this.#state !== 'stopped' && !sameList(live, this.#members)) {
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

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
