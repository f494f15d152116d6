import { randomBytes } from 'node:crypto';
import type { InventoryChange } from '@pollfleet/core';
import pg from 'pg';
import { testDatabaseUrl } from '@pollfleet/testing/services';

export const DATABASE_URL = testDatabaseUrl();

/** A fresh schema name per test file, so parallel files never share tables or notifications. */
export function randomSchema(): string {
  return `pf_inv_${randomBytes(6).toString('hex')}`;
}

/** An admin connection for arranging rows and cleaning up. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Records watch callbacks and lets a test await the one it expects (with a deadline) instead
 * of sleeping and checking.
 */
export class WatchRecorder {
  readonly changes: InventoryChange[] = [];
  readonly errors: Error[] = [];
  #waiters: Array<() => void> = [];

  readonly onChange = (change: InventoryChange): void => {
    this.changes.push(change);
    this.#wake();
  };

  readonly onError = (err: Error): void => {
    this.errors.push(err);
    this.#wake();
  };

  /** Ids reported since `from` (an index into `changes`). */
  idsSince(from: number): Set<string> {
    const ids = new Set<string>();
    for (const c of this.changes.slice(from)) if (c !== 'all') for (const id of c) ids.add(id);
    return ids;
  }

  /** Resolves once `ready()` holds; rejects after `timeoutMs` naming `what`. */
  async until(what: string, ready: () => boolean, timeoutMs = 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; changes=${JSON.stringify(
            this.changes,
          )} errors=${this.errors.map((e) => e.message).join('; ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        const waiter = (): void => done();
        this.#waiters.push(waiter);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }

  /** Waits until every id has been reported since `from`. */
  async untilIds(ids: readonly string[], from: number, timeoutMs = 1000): Promise<void> {
    await this.until(
      `ids ${ids.join(',')}`,
      () => {
        const seen = this.idsSince(from);
        return ids.every((id) => seen.has(id));
      },
      timeoutMs,
    );
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
