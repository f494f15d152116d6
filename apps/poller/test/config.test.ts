import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@pollfleet/core';
import { resolvePollerConfig } from '../src/config.js';

const bad = (env: Record<string, string>, field: string, pattern: RegExp): void => {
  assert.throws(
    () => resolvePollerConfig(env),
    (e: unknown) => e instanceof ConfigError && e.field === field && pattern.test(e.message),
    `expected ${field} to be rejected`,
  );
};

describe('poller configuration', () => {
  it('fills documented defaults', () => {
    const c = resolvePollerConfig({});
    assert.equal(c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/postgres');
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.concurrency, 64);
    assert.equal(c.refreshMs, 30_000);
    assert.equal(c.leaseMarginMs, 15_000);
    assert.equal(c.httpPort, 9464);
    assert.equal(c.migrate, false);
    assert.deepEqual(c.collectorModules, []);
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
      { POLLFLEET_COLLECTOR_MODULES: ' a , ,b ', POLLFLEET_MIGRATE: 'false' },
      { migrate: true },
    );
    assert.deepEqual(c.collectorModules, ['a', 'b']);
    assert.equal(c.migrate, true);
  });
});
