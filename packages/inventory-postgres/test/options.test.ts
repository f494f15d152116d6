import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@pollfleet/core';
import {
  CredentialsFormatError,
  parseSecret,
  resolveInventoryOptions,
  toLabels,
} from '@pollfleet/inventory-postgres';

describe('resolveInventoryOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveInventoryOptions({ connectionString: 'postgres://u@localhost/db' });
    assert.equal(o.schema, 'public');
    assert.equal(o.poolSize, 4);
    assert.equal(o.statementTimeoutMs, 10_000);
    assert.equal(o.watchDebounceMs, 50);
    assert.equal(o.reconnectMinMs, 100);
    assert.equal(o.reconnectMaxMs, 5000);
  });

  it('rejects a connection string that is not a postgres URL, naming the field but not the value', () => {
    for (const bad of ['', 'localhost:5432', 'mysql://u:hunter2@h/db']) {
      assert.throws(
        () => resolveInventoryOptions({ connectionString: bad }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.field === 'connectionString' &&
          !err.message.includes('hunter2'),
      );
    }
  });

  it('rejects a schema that is not a plain identifier and a bad pool size', () => {
    const connectionString = 'postgresql://u@localhost/db';
    assert.throws(
      () => resolveInventoryOptions({ connectionString, schema: 'x"; drop' }),
      (err: unknown) => err instanceof ConfigError && err.field === 'schema',
    );
    assert.throws(
      () => resolveInventoryOptions({ connectionString, poolSize: 0 }),
      (err: unknown) => err instanceof ConfigError && err.field === 'poolSize',
    );
    assert.throws(
      () => resolveInventoryOptions({ connectionString, reconnectMinMs: 500, reconnectMaxMs: 100 }),
      (err: unknown) => err instanceof ConfigError && err.field === 'reconnectMaxMs',
    );
  });
});

describe('resolveInventoryOptions, embedded', () => {
  it('takes a data folder instead of a connection string, with the same defaults', () => {
    const o = resolveInventoryOptions({ embedded: { dataDir: './.pollfleet/data' } });
    assert.deepEqual(o.target, { kind: 'embedded', dataDir: './.pollfleet/data' });
    assert.equal(o.schema, 'public');
    assert.equal(o.watchDebounceMs, 50);
  });

  it('wants exactly one of connectionString and embedded', () => {
    assert.throws(
      () =>
        resolveInventoryOptions({
          connectionString: 'postgres://u@localhost/db',
          embedded: { dataDir: '/tmp/x' },
        }),
      (err: unknown) => err instanceof ConfigError && err.field === 'embedded',
    );
    assert.throws(
      () => resolveInventoryOptions({}),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.field === 'connectionString' &&
        err.message.includes('embedded'),
    );
    for (const dataDir of ['', '  ']) {
      assert.throws(
        () => resolveInventoryOptions({ embedded: { dataDir } }),
        (err: unknown) => err instanceof ConfigError && err.field === 'embedded.dataDir',
      );
    }
  });

  it('refuses server-only options with embedded instead of ignoring them', () => {
    for (const field of ['poolSize', 'statementTimeoutMs', 'watchHealthCheckMs'] as const) {
      assert.throws(
        () => resolveInventoryOptions({ embedded: { dataDir: '/tmp/x' }, [field]: 100 }),
        (err: unknown) =>
          err instanceof ConfigError && err.field === field && err.message.includes('server'),
      );
    }
  });
});

describe('row mapping helpers', () => {
  it('coerces label values to strings and odd label JSON to no labels', () => {
    assert.deepEqual(toLabels({ site: 'ams', rack: 4, core: true, x: null, o: { a: 1 } }), {
      site: 'ams',
      rack: '4',
      core: 'true',
      o: '{"a":1}',
    });
    for (const odd of [null, 'text', 7, ['a'], true]) assert.deepEqual(toLabels(odd), {});
  });

  it('accepts only an object of strings as a secret, naming ref and key but never a value', () => {
    assert.deepEqual(parseSecret('r1', { community: 'public' }), { community: 'public' });
    assert.throws(
      () => parseSecret('r1', { username: 'admin', password: 12345 }),
      (err: unknown) =>
        err instanceof CredentialsFormatError &&
        err.code === 'CREDENTIALS_MALFORMED' &&
        err.message.includes('"r1"') &&
        err.message.includes('"password"') &&
        !err.message.includes('12345') &&
        !err.message.includes('admin'),
    );
    assert.throws(
      () => parseSecret('r2', 'sekrit'),
      (err: unknown) => {
        return err instanceof CredentialsFormatError && !err.message.includes('sekrit');
      },
    );
    assert.throws(() => parseSecret('r3', ['a']), CredentialsFormatError);
    assert.throws(() => parseSecret('r4', null), CredentialsFormatError);
  });
});
