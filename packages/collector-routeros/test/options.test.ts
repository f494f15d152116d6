import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DeviceConfigError } from '@pollfleet/core';
import {
  parseRouterOsOptions,
  parseUptime,
  resolveRouterOsCollectorOptions,
} from '@pollfleet/collector-routeros';

const field = (name: string) => (e: unknown) => {
  assert.ok(e instanceof DeviceConfigError, String(e));
  assert.equal(e.field, name, e.message);
  assert.equal(e.deviceId, 'dev-1');
  return true;
};

describe('RouterOS device options', () => {
  it('defaults to the plain API with no extras', () => {
    assert.deepEqual(parseRouterOsOptions(undefined, 'dev-1'), {
      transport: 'api',
      tls: undefined,
      restPort: undefined,
      username: undefined,
      commandTimeoutMs: undefined,
      extras: [],
    });
    const ssl = parseRouterOsOptions({ transport: 'api-ssl' }, 'dev-1');
    assert.deepEqual(ssl.tls, { mode: 'verify' });
    assert.deepEqual(parseRouterOsOptions({ transport: 'rest' }, 'dev-1').tls, { mode: 'verify' });
  });

  it('parses TLS modes and extras', () => {
    const o = parseRouterOsOptions(
      {
        transport: 'api-ssl',
        tls: { mode: 'fingerprint', fingerprint: 'AB:'.repeat(31) + 'AB' },
        username: 'poller',
        commandTimeoutMs: 3000,
        extras: [
          { name: 'addresses', command: '/ip/address', proplist: ['address', 'interface'] },
          { name: 'ppp', command: '/ppp/active/print' },
        ],
      },
      'dev-1',
    );
    assert.equal(o.tls?.mode, 'fingerprint');
    assert.equal(o.username, 'poller');
    assert.deepEqual(o.extras[1], { name: 'ppp', command: '/ppp/active', proplist: [] });
  });

  it('names the bad field', () => {
    const cases: [unknown, string][] = [
      ['nope', 'options'],
      [{ transport: 'telnet' }, 'transport'],
      [{ transport: 'api', restPort: 443 }, 'restPort'],
      [{ transport: 'auto', restPort: 0 }, 'restPort'],
      [{ tls: { mode: 'verify' } }, 'tls'],
      [{ transport: 'api-ssl', tls: { mode: 'trust-me' } }, 'tls.mode'],
      [
        { transport: 'api-ssl', tls: { mode: 'fingerprint', fingerprint: 'abc' } },
        'tls.fingerprint',
      ],
      [{ transport: 'api-ssl', tls: { mode: 'verify', ca: 'not pem' } }, 'tls.ca'],
      [{ commandTimeoutMs: 0 }, 'commandTimeoutMs'],
      [{ username: '' }, 'username'],
      [{ colour: 'red' }, 'colour'],
      [{ extras: {} }, 'extras'],
      [{ extras: [{ name: 'a', command: '/ip/address; /system/reboot' }] }, 'extras[0].command'],
      [{ extras: [{ name: 'a', command: '/system/reboot', proplist: 'x' }] }, 'extras[0].proplist'],
      [
        {
          extras: [
            { name: 'a', command: '/ip/address' },
            { name: 'a', command: '/ppp/active' },
          ],
        },
        'extras[1].name',
      ],
    ];
    for (const [raw, f] of cases) assert.throws(() => parseRouterOsOptions(raw, 'dev-1'), field(f));
  });

  it('refuses a password in the options without echoing it', () => {
    assert.throws(
      () => parseRouterOsOptions({ password: 'hunter2-secret' }, 'dev-1'),
      (e: unknown) => {
        field('options.password')(e);
        assert.doesNotMatch((e as Error).message, /hunter2/);
        return true;
      },
    );
  });

  it('resolves collector-wide options with documented defaults', () => {
    assert.deepEqual(resolveRouterOsCollectorOptions(), {
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10000,
      cancelTimeoutMs: 5000,
      reuseConnections: true,
      maxItemsPerCommand: 50000,
    });
    assert.throws(() => resolveRouterOsCollectorOptions({ commandTimeoutMs: -1 }), ConfigError);
  });
});

describe('RouterOS uptime', () => {
  it('parses the RouterOS 6 and 7 notations into seconds', () => {
    assert.equal(parseUptime('1w2d03:04:05'), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    assert.equal(parseUptime('1w2d3h4m5s'), 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    assert.equal(parseUptime('00:05:10'), 310);
    assert.equal(parseUptime('5s120ms'), 5.12);
    assert.equal(parseUptime('59s'), 59);
    assert.equal(parseUptime(''), undefined);
    assert.equal(parseUptime('soon'), undefined);
    assert.equal(parseUptime(undefined), undefined);
  });
});
