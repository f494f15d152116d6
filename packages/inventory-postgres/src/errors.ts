import { PollfleetError } from '@pollfleet/core';

/**
 * A stored secret that is not a JSON object of string values. Names the ref and the offending
 * key, never a value.
 */
export class CredentialsFormatError extends PollfleetError {
  readonly ref: string;
  constructor(ref: string, reason: string) {
    super('CREDENTIALS_MALFORMED', `credentials "${ref}": ${reason}`);
    this.ref = ref;
  }
}

/** The schema migrations did not apply; the message names the migration that failed. */
export class InventoryMigrationError extends PollfleetError {
  constructor(message: string, cause: unknown) {
    super('INVENTORY_MIGRATION_FAILED', message, { cause });
  }
}

/** The LISTEN connection behind `watch()` failed; it is being re-established. */
export class InventoryWatchError extends PollfleetError {
  constructor(message: string, cause?: unknown) {
    super('INVENTORY_WATCH_LOST', message, cause === undefined ? undefined : { cause });
  }
}

/** The inventory was closed; it cannot start new watches. */
export class InventoryClosedError extends PollfleetError {
  constructor() {
    super('INVENTORY_CLOSED', 'the inventory is closed');
  }
}
