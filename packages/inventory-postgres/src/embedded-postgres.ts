import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { DataDirLock } from './data-dir-lock.js';
import { EmbeddedInventoryOpenError, InventoryClosedError } from './errors.js';

/** Where PostgreSQL's own files live inside the data folder, and the lock beside them. */
export const EMBEDDED_PGDATA = 'postgres';
export const EMBEDDED_LOCK_FILE = 'inventory.lock';

/**
 * The embedded PostgreSQL (PGlite, in-process) behind one inventory: opened lazily on first use,
 * at most once, holding the data folder's lock from open to close. Either owns its PGlite (a
 * data folder) or borrows one the caller opened (never closed here).
 */
export class EmbeddedPostgres {
  /** Absolute data folder, or undefined for a borrowed PGlite. */
  readonly dataDir: string | undefined;
  readonly #logger: Logger;
  readonly #borrowed: PGlite | undefined;
  #opening: Promise<OpenedDataDir> | undefined;
  #closed = false;

  constructor(source: { dataDir: string } | { pglite: PGlite }, logger: Logger) {
    this.#logger = logger;
    if ('pglite' in source) {
      this.dataDir = undefined;
      this.#borrowed = source.pglite;
    } else {
      this.dataDir = resolve(source.dataDir);
      this.#borrowed = undefined;
    }
  }

  /** The open PGlite; opens it (and takes the folder's lock) on the first call. */
  open(): Promise<PGlite> {
    if (this.#closed) return Promise.reject(new InventoryClosedError());
    if (this.#borrowed !== undefined) return Promise.resolve(this.#borrowed);
    // A failed open is not cached: the caller may fix the folder and try again.
    this.#opening ??= openDataDir(this.dataDir!, this.#logger).catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening.then((o) => o.pglite);
  }

  /** Closes PGlite (flushing the folder) and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening === undefined) return;
    const opened = await opening.catch(() => undefined);
    if (opened === undefined) return;
    try {
      if (!opened.pglite.closed) await opened.pglite.close();
    } finally {
      opened.lock.release();
    }
  }
}

interface OpenedDataDir {
  readonly pglite: PGlite;
  readonly lock: DataDirLock;
}

async function openDataDir(dataDir: string, logger: Logger): Promise<OpenedDataDir> {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new EmbeddedInventoryOpenError(
      dataDir,
      `the folder cannot be created (${(err as Error).message}); choose a folder this user can write`,
      err,
    );
  }
  const lock = new DataDirLock(dataDir, join(dataDir, EMBEDDED_LOCK_FILE));
  lock.acquire(logger);
  try {
    const pgdata = join(dataDir, EMBEDDED_PGDATA);
    const fresh = checkPgdata(dataDir, pgdata);
    const started = Date.now();
    let pglite: PGlite;
    try {
      // Loaded here, not at import: a server-mode process never loads the WebAssembly glue.
      const { PGlite } = await import('@electric-sql/pglite');
      pglite = await PGlite.create(pgdata);
    } catch (err) {
      throw new EmbeddedInventoryOpenError(
        dataDir,
        `the database in ${pgdata} is damaged or was written by an incompatible PostgreSQL ` +
          `version (PGlite: ${err instanceof Error ? err.message : String(err)}). Move the folder ` +
          `aside (keep it if it holds devices you need) and start again to create a new one`,
        err,
      );
    }
    logger.info(
      { dataDir, fresh, openMs: Date.now() - started },
      fresh ? 'embedded inventory created' : 'embedded inventory opened',
    );
    return { pglite, lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** True when the database does not exist yet; refuses a folder that holds something else. */
function checkPgdata(dataDir: string, pgdata: string): boolean {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return false;
  let entries: string[] = [];
  try {
    entries = readdirSync(pgdata);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new EmbeddedInventoryOpenError(
        dataDir,
        `${pgdata} cannot be read (${(err as Error).message})`,
        err,
      );
    }
  }
  if (entries.length > 0) {
    throw new EmbeddedInventoryOpenError(
      dataDir,
      `${pgdata} holds files but no database (no PG_VERSION): it is not an inventory folder, ` +
        `or its creation was interrupted. Move it aside or choose another data folder`,
    );
  }
  return true;
}
