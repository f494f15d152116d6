import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TcpProxy } from '@pollfleet/testing';
import { serviceEndpoint, testDatabaseUrl } from '@pollfleet/testing/services';
import { PollerProcess } from '../../../test/integration/poller-process.js';

const ROOT = new URL('../../..', import.meta.url);
const DB_URL = testDatabaseUrl();

/** The built command, as `npm run pollfleet` and the package's bin run it (`npm test` builds). */
function pollfleet(args: string[]) {
  return spawnSync(process.execPath, ['apps/poller/dist/main.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the pollfleet command', { timeout: 180_000 }, () => {
  it('runs from the built JavaScript, not through tsx', () => {
    const root = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const app = JSON.parse(readFileSync(new URL('apps/poller/package.json', ROOT), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(app.bin.pollfleet, './dist/main.js');
    assert.equal(root.scripts.pollfleet, 'node apps/poller/dist/main.js');
    assert.match(root.scripts.start ?? '', /node apps\/poller\/dist\/main\.js run --migrate$/);
    const help = pollfleet(['help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: pollfleet/);
  });

  it('an unknown option prints it and the usage, without a stack trace, and exits 2', () => {
    const r = pollfleet(['run', '--migrat']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^pollfleet: Unknown option '--migrat'\nusage: pollfleet/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('with --migrate against an unreachable database: stays up degraded, names POLLFLEET_DATABASE_URL once, migrates when it returns', async () => {
    const schema = `it_cli_${randomBytes(4).toString('hex')}`;
    const { host, port } = serviceEndpoint(DB_URL);
    const proxy = new TcpProxy(port, host);
    const proxyPort = await proxy.listen();
    proxy.cut();
    const url = new URL(DB_URL);
    url.hostname = '127.0.0.1';
    url.port = String(proxyPort);
    const p = new PollerProcess(
      {
        POLLFLEET_DATABASE_URL: url.href,
        POLLFLEET_DATABASE_SCHEMA: schema,
        POLLFLEET_HTTP_HOST: '127.0.0.1',
        POLLFLEET_HTTP_PORT: '0',
        POLLFLEET_LOG_LEVEL: 'info',
      },
      ['--migrate'],
    );
    const db = new pg.Client({ connectionString: DB_URL });
    try {
      await p.running();
      await p.waitForLog(
        (l) => typeof l.msg === 'string' && l.msg.includes('POLLFLEET_DATABASE_URL'),
      );
      // The cause once per line: in the message, not repeated after it (pino appended causes).
      for (const l of p.lines) {
        const err = l.err as { message?: string } | undefined;
        for (const text of [typeof l.msg === 'string' ? l.msg : '', err?.message ?? '']) {
          const parts = text.split(': ');
          assert.equal(new Set(parts).size, parts.length, `a cause repeated in ${text}`);
        }
      }
      proxy.restore();
      await p.waitForLog((l) => l.msg === 'inventory migrated');
      await db.connect();
      const r = await db.query(
        `select 1 from information_schema.tables where table_schema = $1 and table_name = 'devices'`,
        [schema],
      );
      assert.equal(r.rowCount, 1);
    } finally {
      p.kill('SIGKILL');
      await p.exited;
      await proxy.close();
      await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await db.end().catch(() => {});
    }
  });
});
