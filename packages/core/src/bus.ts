import type { FailureKind } from './errors.js';

export const RESULT_SCHEMA_VERSION = 1 as const;

/**
 * One poll's outcome as published on the bus (versioned JSON). `deviceId` + `scheduledFor`
 * identify the poll (idempotency key); `fence` lets a consumer discard results from a pod that
 * has since lost the device's lease (keep the highest fence seen per device).
 */
export interface PollResult {
  readonly v: typeof RESULT_SCHEMA_VERSION;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly collectorType: string;
  /**
   * The device row's labels. The engine puts them on every result; optional here because
   * results published before they were added have none.
   */
  readonly labels?: Readonly<Record<string, string>>;
  readonly podId: string;
  readonly fence: number;
  /** Slot the poll was scheduled for, epoch ms. */
  readonly scheduledFor: number;
  /** When the collector was called, epoch ms. */
  readonly startedAt: number;
  readonly durationMs: number;
  readonly ok: boolean;
  readonly partial?: boolean;
  readonly data?: unknown;
  readonly error?: { readonly code: string; readonly kind: FailureKind; readonly message: string };
}

/** Where results go. Redis Streams in a fleet; memory in tests and standalone. */
export interface ResultsBus {
  publish(result: PollResult): Promise<void>;
  close(): Promise<void>;
}
