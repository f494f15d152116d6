import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@pollfleet/core';
import { pollerSettings, resolvePollerConfig } from '../src/config.js';

const bad = (env: Record<string, string>, field: string, pattern: RegExp): void => {
  assert.throws(
    () => resolvePollerConfig(env),
    (e: unknown) => e instanceof ConfigError && e.field === field && pattern.test(e.message),
    `expected ${field} to be rejected`,
  );
};

describe('poller configuration', () => {
  it('fills documented defaults', () => {
    const c = resolvePollerConfig({}, {}, '/srv/app');
    assert.equal(c.databaseUrl, undefined); // the embedded inventory...
    assert.equal(c.dataDir, '/srv/app/.pollfleet/data'); // ...under the current folder
    assert.equal(c.demo, true);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.concurrency, 64);
    assert.equal(c.refreshMs, 30_000);
    assert.equal(c.leaseMarginMs, 15_000);
    assert.equal(c.httpPort, 9464);
    assert.equal(c.migrate, true); // the embedded schema is always brought up to date
    assert.equal(
      resolvePollerConfig({ POLLFLEET_DATABASE_URL: 'postgres://db/x' }).migrate,
      false, // a server's schema only when asked
    );
    assert.deepEqual(c.collectorModules, []);
  });

  it('fleet mode needs a PostgreSQL server: Redis without a database URL is refused', () => {
    bad(
      { POLLFLEET_REDIS_URL: 'redis://127.0.0.1:6379' },
      'POLLFLEET_DATABASE_URL',
      /required with POLLFLEET_REDIS_URL/,
    );
    assert.equal(resolvePollerConfig({ POLLFLEET_DEMO: 'false' }).demo, false);
    assert.equal(resolvePollerConfig({}, { demo: false }).demo, false);
  });

  it('stops start-up with the variable named for each kind of bad value', () => {
    bad(
      { POLLFLEET_CONCURRENCY: 'lots' },
      'POLLFLEET_CONCURRENCY',
      /"lots" is not an integer between 1 and 10000/,
    );
    bad({ POLLFLEET_CONCURRENCY: '0' }, 'POLLFLEET_CONCURRENCY', /between 1/);
    bad({ POLLFLEET_DATABASE_URL: 'mysql://x' }, 'POLLFLEET_DATABASE_URL', /scheme "mysql:"/);
    bad({ POLLFLEET_REDIS_URL: 'not a url' }, 'POLLFLEET_REDIS_URL', /is not a URL/);
    bad({ POLLFLEET_MIGRATE: 'maybe' }, 'POLLFLEET_MIGRATE', /not a boolean/);
    bad({ POLLFLEET_LOG_LEVEL: 'loud' }, 'POLLFLEET_LOG_LEVEL', /"loud" is not one of/);
    bad({ POLLFLEET_POD_ID: 'a b' }, 'POLLFLEET_POD_ID', /letters/);
    bad({ POLLFLEET_DATABASE_SCHEMA: 'Drop Table' }, 'POLLFLEET_DATABASE_SCHEMA', /identifier/);
  });

  it('refuses a Redis URL whose database number is not a number', () => {
    // A fleet (Redis) needs a server inventory; the URL checks are what is tested here.
    const DB = { POLLFLEET_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
    bad(
      { ...DB, POLLFLEET_REDIS_URL: 'redis://127.0.0.1:6379/abc' },
      'POLLFLEET_REDIS_URL',
      /"abc"/,
    );
    bad(
      { ...DB, POLLFLEET_REDIS_URL: 'redis://127.0.0.1:6379/-1' },
      'POLLFLEET_REDIS_URL',
      /database/,
    );
    bad(
      { ...DB, POLLFLEET_REDIS_URL: 'redis://127.0.0.1:6379/1/2' },
      'POLLFLEET_REDIS_URL',
      /database/,
    );
    bad({ ...DB, POLLFLEET_REDIS_URL: 'redis:///0' }, 'POLLFLEET_REDIS_URL', /no host/);
    bad({ ...DB, POLLFLEET_REDIS_URL: 'ftp://127.0.0.1' }, 'POLLFLEET_REDIS_URL', /scheme "ftp:"/);
    for (const ok of ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'rediss://h/15']) {
      assert.equal(resolvePollerConfig({ ...DB, POLLFLEET_REDIS_URL: ok }).redisUrl, ok);
    }
  });

  it('does not echo a URL that may carry a password', () => {
    try {
      resolvePollerConfig({ POLLFLEET_REDIS_URL: 'http://user:hunter2@redis:6379' });
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.doesNotMatch(e.message, /hunter2/);
    }
  });

  it('lists set-but-unknown variables, suggesting the one probably meant', () => {
    const c = resolvePollerConfig({
      POLLFLEET_CONCURENCY: '5',
      POLLFLEET_WHATEVER: 'x',
      HOME: '/',
    });
    assert.deepEqual(c.unknownVariables, [
      'POLLFLEET_CONCURENCY (did you mean POLLFLEET_CONCURRENCY?)',
      'POLLFLEET_WHATEVER',
    ]);
    assert.equal(c.concurrency, 64);
  });

  it('reads lists and overrides', () => {
    const c = resolvePollerConfig(
      {
        POLLFLEET_DATABASE_URL: 'postgres://db/x', // with the embedded one, migrate is always on
        POLLFLEET_COLLECTOR_MODULES: ' a , ,b ',
        POLLFLEET_MIGRATE: 'false',
      },
      { migrate: true },
    );
    assert.deepEqual(c.collectorModules, ['a', 'b']);
    assert.equal(c.migrate, true);
  });

  it('the README configuration table lists every variable the poller reads, with its default', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    // Only the "Configuration" section: other tables (the tests' own variables) are not the poller's.
    const start = readme.indexOf('\n## Configuration\n');
    assert.ok(start >= 0, 'README has a "## Configuration" section');
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    const rows = new Map<string, string>();
    for (const m of section.matchAll(/^\| `POLLFLEET_([A-Z0-9_]+)` +\| ([^|]+?) +\|/gm)) {
      rows.set(m[1]!, m[2]!);
    }
    const declared = pollerSettings();
    assert.deepEqual(
      [...rows.keys()].sort(),
      declared.map((s) => s.name).sort(),
      'README table vs. the variables config.ts reads',
    );
    for (const { name, default: def } of declared) {
      const cell = rows.get(name)!;
      // Literal defaults are compared; prose ones ("unset", "the host name", `<prefix>:…`) are not.
      const literal = /^`([^`<]*)`$/.exec(cell);
      if (literal) assert.equal(literal[1], def, `README default of POLLFLEET_${name}`);
    }
  });

  it('the SNMP socket count, foreign-address replies and the row-check timeout can be set', () => {
    const c = resolvePollerConfig({
      POLLFLEET_SNMP_SOCKETS: '8',
      POLLFLEET_SNMP_ACCEPT_ANY_ADDRESS: 'false',
      POLLFLEET_VALIDATE_TIMEOUT_MS: '2000',
    });
    assert.equal(c.snmpSockets, 8);
    assert.equal(c.snmpAcceptAnyAddress, false);
    assert.equal(c.validateTimeoutMs, 2000);
    assert.deepEqual(c.unknownVariables, []);
    bad({ POLLFLEET_SNMP_SOCKETS: '0' }, 'POLLFLEET_SNMP_SOCKETS', /between 1 and 256/);
    // Known even when --migrate overrides it.
    assert.deepEqual(
      resolvePollerConfig({ POLLFLEET_MIGRATE: 'false' }, { migrate: true }).unknownVariables,
      [],
    );
  });
});
