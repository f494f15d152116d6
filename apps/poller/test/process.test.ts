import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl, testDatabaseUrlFor } from '@pollfleet/testing/services';
import { PollerProcess } from '../../../test/integration/poller-process.js';

const DB_URL = testDatabaseUrl();

describe('the pollfleet process', { timeout: 180_000 }, () => {
  const schema = `it_proc_${randomBytes(4).toString('hex')}`;
  const db = new pg.Client({ connectionString: DB_URL });
  before(async () => {
    await db.connect();
    await db.query(`create schema ${schema}`);
  });
  after(async () => {
    await db.query(`drop schema ${schema} cascade`);
    await db.end();
  });

  it('refuses to start on a bad setting, naming it, with exit code 2', () => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'apps/poller/src/main.ts'],
      {
        cwd: new URL('../../..', import.meta.url),
        env: { PATH: process.env.PATH ?? '', POLLFLEET_CONCURRENCY: '-3' },
        encoding: 'utf8',
        timeout: 60_000, // a poller that fails to exit must not hang the suite
      },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /configuration error: POLLFLEET_CONCURRENCY: "-3" is not an integer/);
  });

  it('refuses to start on a database without the schema and says what to run', () => {
    const r = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'apps/poller/src/main.ts'],
      {
        cwd: new URL('../../..', import.meta.url),
        env: {
          PATH: process.env.PATH ?? '',
          POLLFLEET_DATABASE_URL: DB_URL,
          POLLFLEET_DATABASE_SCHEMA: `${schema}_missing`,
          POLLFLEET_HTTP_PORT: '0',
          POLLFLEET_LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 60_000, // a poller that fails to exit must not hang the suite
      },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /no devices table in schema "it_proc_\w+_missing"; create it with `npm run pollfleet -- migrate`/,
    );
  });

  it('stays up but not ready, and says why, when the database never answered', async () => {
    const p = new PollerProcess({
      POLLFLEET_DATABASE_URL: testDatabaseUrlFor('no_such_database_here'),
      POLLFLEET_HTTP_HOST: '127.0.0.1',
      POLLFLEET_HTTP_PORT: '0',
      POLLFLEET_LOG_LEVEL: 'info',
    });
    try {
      const running = await p.running();
      const http = `http://127.0.0.1:${String(running.http).split(':').at(-1)}`;
      assert.equal((await fetch(`${http}/readyz`)).status, 503);
      const status = (await (await fetch(`${http}/status`)).json()) as {
        inventory: { degraded: boolean; lastError: string | null };
      };
      assert.equal(status.inventory.degraded, true);
      assert.match(status.inventory.lastError ?? '', /no_such_database_here/);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
    }
  });

  it('migrates, serves /status, /metrics, /healthz and /readyz, reports bad rows, and exits 0 on SIGINT', async () => {
    // A password in the URL must never be logged; trust auth ignores one the server does not need.
    const withPassword = new URL(DB_URL);
    if (withPassword.password === '') withPassword.password = 'not-a-real-pw';
    const p = new PollerProcess(
      {
        POLLFLEET_DATABASE_URL: withPassword.href,
        POLLFLEET_DATABASE_SCHEMA: schema,
        POLLFLEET_HTTP_HOST: '127.0.0.1',
        POLLFLEET_HTTP_PORT: '0',
        POLLFLEET_LOG_LEVEL: 'info',
      },
      ['--migrate'],
    );
    const running = await p.running();
    const http = String(running.http);
    const port = Number(http.split(':').at(-1));
    await db.query(
      `insert into ${schema}.devices (name, collector_type, host) values ('typo', 'telnet', '127.0.0.1'), ('bad-port', 'telnet', '127.0.0.1')`,
    );
    await p.waitForLog(
      (l) => typeof l.msg === 'string' && l.msg.includes('unknown collector type "telnet"'),
    );
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, body: await res.text() };
    };
    const status = JSON.parse((await get('/status')).body) as {
      state: string;
      mode: string;
      invalidDevices: { field: string }[];
    };
    assert.equal(status.state, 'running');
    assert.equal(status.mode, 'single-pod');
    assert.equal(status.invalidDevices.length, 2);
    assert.equal(status.invalidDevices[0]?.field, 'collector_type');
    const metrics = await get('/metrics');
    assert.match(metrics.body, /^pollfleet_devices_invalid 2$/m);
    assert.equal((await get('/healthz')).status, 200);
    assert.equal((await get('/readyz')).status, 200);
    assert.equal((await get('/nope')).status, 404);
    p.kill('SIGINT');
    const exit = await p.exited;
    assert.equal(exit.code, 0);
    assert.ok(p.lines.some((l) => l.msg === 'stopped'));
    const where = `${withPassword.hostname}:${withPassword.port || '5432'}${withPassword.pathname}`;
    assert.equal(String(running.inventory), `${where} (schema ${schema})`);
    assert.ok(
      !JSON.stringify(p.lines).includes(decodeURIComponent(withPassword.password)),
      'the database password leaked',
    );
  });
});
