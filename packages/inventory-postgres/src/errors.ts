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

/**
 * The embedded inventory's data folder is held by another open inventory (this process or
 * another one). Two writers on one folder would corrupt it, so the second open is refused.
 */
export class EmbeddedInventoryLockedError extends PollfleetError {
  readonly dataDir: string;
  readonly holderPid: number | undefined;
  constructor(dataDir: string, holderPid: number | undefined, lockFile: string) {
    const who = holderPid === undefined ? 'another process' : `process ${holderPid}`;
    super(
      'INVENTORY_DATA_DIR_LOCKED',
      `the embedded inventory data folder ${dataDir} is in use by ${who}: stop that pollfleet ` +
        `(or close its inventory), or use another data folder. If no such process runs, delete ` +
        `${lockFile}.`,
    );
    this.dataDir = dataDir;
    this.holderPid = holderPid;
  }
}

/**
 * The embedded inventory's data folder cannot be opened: it is not a database folder, it is
 * damaged, or it cannot be written. The message names the folder and what to do.
 */
export class EmbeddedInventoryOpenError extends PollfleetError {
  readonly dataDir: string;
  constructor(dataDir: string, reason: string, cause?: unknown) {
    super(
      'INVENTORY_DATA_DIR_UNUSABLE',
      `the embedded inventory data folder ${dataDir} cannot be opened: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
    this.dataDir = dataDir;
  }
}
