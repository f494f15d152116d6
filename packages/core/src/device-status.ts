import type { BreakerSnapshot } from './breaker.js';
import type { LastPoll } from './device-loop-deps.js';
import type { LeaseState } from './lease-holder.js';

/** One device as the status view shows it. No secrets, no options (they may hold some). */
export interface DeviceStatus {
  readonly id: string;
  readonly name: string;
  readonly collectorType: string;
  readonly host: string;
  readonly port: number;
  readonly intervalMs: number;
  /** False while the lease store does not answer (see {@link leaseState}). */
  readonly leaseHeld: boolean;
  /** `unknown` while the lease store does not answer: this pod cannot tell who holds it. */
  readonly leaseState: LeaseState;
  readonly fence: number | undefined;
  readonly breaker: BreakerSnapshot;
  readonly nextSlot: number;
  readonly lastPoll: LastPoll | undefined;
}

interface LoopLike {
  readonly spec: {
    id: string;
    name: string;
    collectorType: string;
    host: string;
    port: number;
    intervalMs: number;
  };
  readonly lease: { fence: number } | undefined;
  readonly leaseState: LeaseState;
  readonly breaker: BreakerSnapshot;
  readonly lastPoll: LastPoll | undefined;
}

export const DeviceStatusView = {
  of(l: LoopLike, nextSlot: number): DeviceStatus {
    return {
      id: l.spec.id,
      name: l.spec.name,
      collectorType: l.spec.collectorType,
      host: l.spec.host,
      port: l.spec.port,
      intervalMs: l.spec.intervalMs,
      leaseHeld: l.leaseState === 'held',
      leaseState: l.leaseState,
      fence: l.lease?.fence,
      breaker: l.breaker,
      nextSlot,
      lastPoll: l.lastPoll,
    };
  },
};
