import { ConfigError } from './errors.js';

/** One live pod and its share of the work relative to the others. */
export interface PodMember {
  readonly podId: string;
  /** Relative capacity, a positive integer: a pod with 2 gets about twice the devices of one with 1. */
  readonly capacity: number;
}

/**
 * Which pods are alive (a port: Redis heartbeats in a fleet, memory in one process). Members are
 * sorted by pod id; `members()` is empty before the first successful `start()`.
 */
export interface Membership {
  /** This pod's id, unique in the fleet. */
  readonly podId: string;
  /** This pod's capacity (see {@link PodMember.capacity}). */
  readonly capacity: number;
  /** Live pods as last known, sorted by pod id. */
  members(): readonly PodMember[];
  /** Called with the new member list whenever it changes; returns an unsubscribe. */
  onChange(listener: (members: readonly PodMember[]) => void): () => void;
  /** Joins; rejects when the first announcement fails (the mechanism keeps retrying). */
  start(): Promise<void>;
  /** Leaves at once, so the others take over this pod's share now. */
  stop(): Promise<void>;
}

/** The capacity a {@link Membership} announces: a positive integer, default 1. */
export function checkCapacity(capacity: number | undefined, field: string): number {
  const c = capacity ?? 1;
  if (!Number.isInteger(c) || c < 1) {
    throw new ConfigError(field, `must be a positive integer, got ${String(capacity)}`);
  }
  return c;
}

/** Members sorted by pod id, one entry per pod (the highest capacity announced wins). */
export function normaliseMembers(members: Iterable<PodMember>): PodMember[] {
  const byId = new Map<string, PodMember>();
  for (const m of members) {
    const seen = byId.get(m.podId);
    if (!seen || m.capacity > seen.capacity) byId.set(m.podId, m);
  }
  return [...byId.values()].sort((a, b) => (a.podId < b.podId ? -1 : a.podId > b.podId ? 1 : 0));
}

/** Same pods with the same capacities, in the same order. */
export function sameMembers(a: readonly PodMember[], b: readonly PodMember[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.podId === b[i]?.podId && m.capacity === b[i]?.capacity)
  );
}
