import { PollfleetError } from '@pollfleet/core';

/**
 * A Redis command of the coordination layer failed (connection lost, timeout, script error).
 * The caller treats the lease as unknown: it stops polling the device until an acquire succeeds.
 */
export class CoordinationRedisError extends PollfleetError {
  /** What was being done, e.g. `lease.acquire`. */
  readonly operation: string;
  constructor(operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('COORDINATION_REDIS_FAILED', `${operation}: ${reason}`, { cause });
    this.operation = operation;
  }
}

/** A stored value that cannot be decoded (written by another version, or by hand). */
export class CoordinationDecodeError extends PollfleetError {
  readonly key: string;
  constructor(key: string, message: string) {
    super('COORDINATION_DECODE_FAILED', `${key}: ${message}`);
    this.key = key;
  }
}

/** Wraps a rejected Redis call so logs and metrics see one stable code. */
export async function wrapRedis<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PollfleetError) throw err;
    throw new CoordinationRedisError(operation, err);
  }
}
