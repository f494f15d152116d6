import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import { testDatabaseUrl, testRedisUrl } from '@pollfleet/testing/services';

/** The machine's PostgreSQL; every test works in a schema of its own. */
export const DB_URL = testDatabaseUrl();

/** The machine's Redis; every test works under a random key prefix. */
export const REDIS_URL = testRedisUrl();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds; the deadline only bounds a hung test, it is not the assertion. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A fresh, migrated inventory schema and a client on it; `drop()` removes both. */
export class TestInventory {
  readonly schema: string;
  readonly db: pg.Client;

  private constructor(schema: string) {
    this.schema = schema;
    this.db = new pg.Client({ connectionString: DB_URL });
  }

  static async create(name: string): Promise<TestInventory> {
    const t = new TestInventory(`it_${name}_${randomBytes(4).toString('hex')}`);
    await t.db.connect();
    await t.db.query(`create schema ${t.schema}`);
    const inv = new PostgresInventory({ connectionString: DB_URL, schema: t.schema });
    await inv.migrate();
    await inv.close();
    return t;
  }

  /** Inserts probe devices pointing at `port`; returns their ids in order. */
  async insertProbes(
    names: string[],
    port: number,
    intervalMs: number,
    timeoutMs: number,
  ): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `insert into ${this.schema}.devices (name, collector_type, host, port, interval_ms, timeout_ms)
       select n, 'probe', '127.0.0.1', $2, $3, $4 from unnest($1::text[]) as n returning id::text`,
      [names, port, intervalMs, timeoutMs],
    );
    return r.rows.map((x) => x.id);
  }

  async drop(): Promise<void> {
    await this.db.query(`drop schema ${this.schema} cascade`);
    await this.db.end();
  }
}

/** Environment for a poller process polling probe devices in `schema`. */
export function probePollerEnv(
  schema: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    POLLFLEET_DATABASE_URL: DB_URL,
    POLLFLEET_DATABASE_SCHEMA: schema,
    POLLFLEET_HTTP_HOST: '127.0.0.1',
    POLLFLEET_HTTP_PORT: '0',
    POLLFLEET_COLLECTOR_MODULES: '@pollfleet/testing/probe-collector',
    POLLFLEET_MIN_INTERVAL_MS: '100',
    POLLFLEET_LOG_LEVEL: 'info',
    ...extra,
  };
}
