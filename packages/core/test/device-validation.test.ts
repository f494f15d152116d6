import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceConfigError, validateDeviceRow } from '@pollfleet/core';
import type { Collector, DeviceRow } from '@pollfleet/core';

const collector: Collector<{ tls: boolean }> = {
  type: 'x',
  defaultPort: 8728,
  defaultPortFor: (o) => (o.tls ? 8729 : 8728),
  parseOptions: (raw) => ({ tls: (raw as { tls?: boolean }).tls === true }),
  collect: () => Promise.resolve({ data: {} }),
  close: () => Promise.resolve(),
};
const row = (over: Partial<DeviceRow>): DeviceRow => ({
  id: '1',
  name: 'r',
  collectorType: 'x',
  host: 'router.example',
  port: null,
  intervalMs: 60_000,
  timeoutMs: 10_000,
  enabled: true,
  options: {},
  credentialsRef: null,
  labels: {},
  revision: 1,
  ...over,
});
const validate = (r: DeviceRow) =>
  validateDeviceRow(
    r,
    () => collector,
    { minIntervalMs: 1000 },
    () => ['x'],
  );

describe('device row validation', () => {
  it('resolves a null port from the options when the collector says how', () => {
    assert.equal(validate(row({ options: { tls: true } })).spec.port, 8729);
    assert.equal(validate(row({ options: {} })).spec.port, 8728);
    assert.equal(validate(row({ port: 18728, options: { tls: true } })).spec.port, 18728);
  });

  it('accepts IPv4, IPv6 and host names, and trims them', () => {
    for (const host of ['192.0.2.1', '2001:db8::1', 'edge-1.example.net', ' core1 ']) {
      assert.equal(validate(row({ host })).spec.host, host.trim());
    }
  });

  it('rejects a host that looks like an IPv4 address but is not one, instead of resolving it', () => {
    // The resolver would take these as names (or as inet_aton shorthands: 127.1 is 127.0.0.1).
    for (const host of ['999.1.1.1', '1.2.3.256', '10.0.0.1.5', '127.1', '10.0.0.', '0x7f.0.0.1']) {
      assert.throws(
        () => validate(row({ host })),
        (e: unknown) =>
          e instanceof DeviceConfigError &&
          e.field === 'host' &&
          e.message.includes(`"${host}" looks like an IPv4 address but is not one`),
        host,
      );
    }
    // Names with numeric labels that are not the last one stay names.
    for (const host of ['10.example.net', 'r1.0x1f.example']) {
      assert.equal(validate(row({ host })).spec.host, host);
    }
  });

  it('names a bad option by its place in the row', () => {
    const strict = {
      ...collector,
      parseOptions: (_raw: unknown, deviceId: string) => {
        throw new DeviceConfigError(deviceId, 'version', 'must be "1", "2c" or "3"');
      },
    };
    assert.throws(
      () =>
        validateDeviceRow(
          row({}),
          () => strict,
          { minIntervalMs: 1000 },
          () => ['x'],
        ),
      (e: unknown) =>
        e instanceof DeviceConfigError &&
        e.field === 'options.version' &&
        e.message === 'device 1: options.version: must be "1", "2c" or "3"',
    );
  });

  it('rejects a timeout longer than the interval, naming the field and the fix', () => {
    assert.throws(
      () => validate(row({ intervalMs: 5000, timeoutMs: 6000 })),
      /timeout_ms: 6000 exceeds interval_ms 5000; a poll must end before the next one is due/,
    );
  });
});
