import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { EmbeddedInventoryLockedError, EmbeddedInventoryOpenError } from './errors.js';

interface LockContent {
  pid: number;
  host: string;
  since: string;
}

/**
 * One writer per data folder: PGlite itself takes no lock (two processes on one folder both
 * "work" and corrupt it), so the inventory holds `lockFile`, created exclusively, holding its
 * pid. A lock left by a process that is gone (crash, SIGKILL) is taken over; a lock held by a
 * live process (or by another inventory in this one) is refused with an error naming it.
 */
export class DataDirLock {
  readonly #dataDir: string;
  readonly #lockFile: string;
  #content: string | undefined;

  constructor(dataDir: string, lockFile: string) {
    this.#dataDir = dataDir;
    this.#lockFile = lockFile;
  }

  acquire(logger: Logger): void {
    const mine = JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
    } satisfies LockContent);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(this.#lockFile, 'wx', 0o600);
        try {
          writeSync(fd, mine);
        } finally {
          closeSync(fd);
        }
        this.#content = mine;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new EmbeddedInventoryOpenError(
            this.#dataDir,
            `cannot create its lock file ${this.#lockFile} (${(err as Error).message}); check ` +
              `that the folder is writable by this user`,
            err,
          );
        }
      }
      const held = readQuietly(this.#lockFile);
      const holder = parseLock(held);
      if (holder !== undefined && isAlive(holder)) {
        throw new EmbeddedInventoryLockedError(this.#dataDir, holder.pid, this.#lockFile);
      }
      // Stale: its process is gone (or the file is unreadable, e.g. a crash mid-write). Only
      // remove the content judged stale, not a lock another process has just taken.
      if (readQuietly(this.#lockFile) === held) {
        logger.warn(
          { dataDir: this.#dataDir, stalePid: holder?.pid },
          'taking over a stale inventory lock left by a process that is gone',
        );
        unlinkQuietly(this.#lockFile);
      }
    }
    const holder = parseLock(readQuietly(this.#lockFile));
    throw new EmbeddedInventoryLockedError(this.#dataDir, holder?.pid, this.#lockFile);
  }

  /** Removes the lock file if it is still this holder's. Idempotent. */
  release(): void {
    if (this.#content === undefined) return;
    if (readQuietly(this.#lockFile) === this.#content) unlinkQuietly(this.#lockFile);
    this.#content = undefined;
  }
}

function readQuietly(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Gone already.
  }
}

function parseLock(text: string | undefined): LockContent | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (typeof v.pid === 'number' && Number.isSafeInteger(v.pid) && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, since: String(v.since) };
    }
  } catch {
    // Not ours or half-written: stale.
  }
  return undefined;
}

/**
 * A holder on another host cannot be checked: count it as alive (a folder on a shared mount).
 * On this host, signal 0 tells whether the pid exists (EPERM: it does, owned by someone else).
 */
function isAlive(holder: LockContent): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
