import { PollfleetError } from '@pollfleet/core';

/** Publishing a result failed (Redis error, bus closed, result not serializable). */
export class BusPublishError extends PollfleetError {
  constructor(message: string, cause?: unknown) {
    super('BUS_PUBLISH_FAILED', message, cause === undefined ? undefined : { cause });
  }
}

/** Reading or acknowledging results failed on the Redis side. */
export class BusReadError extends PollfleetError {
  constructor(message: string, cause?: unknown) {
    super('BUS_READ_FAILED', message, cause === undefined ? undefined : { cause });
  }
}

/** A stream entry that is not a PollResult this version understands. */
export class BusDecodeError extends PollfleetError {
  readonly entryId: string;
  constructor(entryId: string, message: string) {
    super('BUS_DECODE_FAILED', `stream entry ${entryId}: ${message}`);
    this.entryId = entryId;
  }
}
