/**
 * Every error pollfleet raises on purpose carries a stable `code` that logs, metrics and the
 * status API can carry without parsing messages.
 */
export class PollfleetError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value that cannot be used. Start-up stops with the field named. */
export class ConfigError extends PollfleetError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('CONFIG_INVALID', `${field}: ${message}`);
    this.field = field;
  }
}

/** A device row that cannot be polled. It is reported and skipped; other devices keep polling. */
export class DeviceConfigError extends PollfleetError {
  readonly deviceId: string;
  readonly field: string;
  constructor(deviceId: string, field: string, message: string) {
    super('DEVICE_INVALID', `device ${deviceId}: ${field}: ${message}`);
    this.deviceId = deviceId;
    this.field = field;
  }
}

/**
 * How the circuit breaker treats a failure.
 * - `transient`: the device may answer next time (timeout, refused, reset). Retried with backoff.
 * - `permanent`: it will not answer until someone changes something (bad credentials,
 *   unsupported device). Parked at the maximum backoff with the reason visible.
 */
export type FailureKind = 'transient' | 'permanent';

/**
 * The typed error a collector throws (or rejects with) when a poll fails. Anything else a
 * collector throws is wrapped as a transient `COLLECTOR_FAILED`.
 *
 * `message` must be safe to publish: never include a community, key or password.
 */
export class CollectError extends PollfleetError {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.kind = kind;
  }

  static transient(code: string, message: string, cause?: unknown): CollectError {
    return new CollectError(
      'transient',
      code,
      message,
      cause === undefined ? undefined : { cause },
    );
  }

  static permanent(code: string, message: string, cause?: unknown): CollectError {
    return new CollectError(
      'permanent',
      code,
      message,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The poll was aborted because it ran past the device's timeout. */
export class PollTimeoutError extends CollectError {
  constructor(timeoutMs: number) {
    super('transient', 'POLL_TIMEOUT', `poll did not finish within ${timeoutMs} ms`);
  }
}

/** Turns whatever a collector threw into a CollectError, without leaking unknown messages' secrets. */
export function toCollectError(err: unknown): CollectError {
  if (err instanceof CollectError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CollectError('transient', 'COLLECTOR_FAILED', `collector failed: ${message}`, {
    cause: err,
  });
}
