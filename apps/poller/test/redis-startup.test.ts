import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TcpProxy } from '@pollfleet/testing';
import { serviceEndpoint, testDatabaseUrl, testRedisUrl } from '@pollfleet/testing/services';
import { PollerProcess } from '../../../test/integration/poller-process.js';

const DB_URL = testDatabaseUrl();
const REDIS_URL = testRedisUrl();

/** The test Redis URL with another database number. */
function redisDb(db: string): string {
  const u = new URL(REDIS_URL);
  u.pathname = `/${db}`;
  return u.href;
}

describe('the poller against the Redis it is given', { timeout: 180_000 }, () => {
  const schema = `it_redis_${randomBytes(4).toString('hex')}`;
  const prefix = `it-redis-${randomBytes(4).toString('hex')}`;
  const db = new pg.Client({ connectionString: DB_URL });
  before(async () => {
    await db.connect();
    await db.query(`create schema ${schema}`);
  });
  after(async () => {
    await db.query(`drop schema ${schema} cascade`);
    await db.end();
  });

  const env = (redisUrl: string): Record<string, string> => ({
    POLLFLEET_DATABASE_URL: DB_URL,
    POLLFLEET_DATABASE_SCHEMA: schema,
    POLLFLEET_REDIS_URL: redisUrl,
    POLLFLEET_KEY_PREFIX: prefix,
    POLLFLEET_HTTP_HOST: '127.0.0.1',
    POLLFLEET_HTTP_PORT: '0',
    POLLFLEET_LOG_LEVEL: 'info',
  });

  it('refuses to start on a database number the server does not have, naming POLLFLEET_REDIS_URL', async () => {
    const p = new PollerProcess(env(redisDb('99')), ['--migrate']);
    try {
      // Whichever comes first: exiting, or running (which is the defect).
      const first = await new Promise<string>((resolve) => {
        const poll = setInterval(() => {
          if (p.lines.some((l) => l.msg === 'poller running')) resolve('running');
        }, 100);
        void p.exited.then(() => resolve('exited')).finally(() => clearInterval(poll));
      });
      assert.notEqual(first, 'running', 'it started on database 0 instead of refusing');
      const exit = await p.exited;
      assert.equal(exit.code, 2, p.stderr);
      assert.match(
        p.stderr,
        /configuration error: POLLFLEET_REDIS_URL: .*database 99.*DB index is out of range/,
      );
    } finally {
      p.kill('SIGKILL');
      await p.exited;
    }
  });

  it('starts degraded and not ready while Redis is unreachable, and becomes ready when it returns', async () => {
    const proxy = new TcpProxy(serviceEndpoint(REDIS_URL).port, serviceEndpoint(REDIS_URL).host);
    const port = await proxy.listen();
    proxy.cut();
    const p = new PollerProcess(env(`redis://127.0.0.1:${port}/0`), ['--migrate']);
    try {
      const running = await p.running();
      const http = `http://127.0.0.1:${String(running.http).split(':').at(-1)}`;
      // The inventory (empty) has been read: only the lease store keeps the pod from being ready.
      const status = (await (await fetch(`${http}/status`)).json()) as {
        inventory: { lastSyncAt: string | null };
      };
      assert.notEqual(status.inventory.lastSyncAt, null);
      assert.equal((await fetch(`${http}/readyz`)).status, 503);
      proxy.restore();
      // Ready again once a PING gets through (the answer is cached for about a second).
      for (;;) {
        if ((await fetch(`${http}/readyz`)).status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      p.kill('SIGKILL');
      await p.exited;
      await proxy.close();
    }
  });
});
