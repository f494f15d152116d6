import { isIP } from 'node:net';
import type { Collector } from './collector.js';
import type { DeviceRow, DeviceSpec } from './device.js';
import { DeviceConfigError } from './errors.js';

export interface DeviceLimits {
  /** Rows polling faster than this are rejected. */
  readonly minIntervalMs: number;
}

// RFC 1123 host names: labels of letters, digits and hyphens.
const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/;

// A name whose last label is a number is an IPv4 address in disguise: the resolver would look
// "999.1.1.1" up as a name, and read "127.1" or "0x7f.0.0.1" as inet_aton shorthands.
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:[0-9]+|0x[0-9a-f]*)\.?$/i;

/**
 * Turns a row into something the engine can poll, or throws a DeviceConfigError that names the
 * field and says what to do. `collectorFor` returns undefined for an unknown type.
 */
export function validateDeviceRow(
  row: DeviceRow,
  collectorFor: (type: string) => Collector | undefined,
  limits: DeviceLimits,
  knownTypes: () => string[],
): { spec: DeviceSpec; collector: Collector } {
  const fail = (field: string, message: string): never => {
    throw new DeviceConfigError(row.id, field, message);
  };
  const collector = collectorFor(row.collectorType);
  if (!collector) {
    fail(
      'collector_type',
      `unknown collector type "${row.collectorType}"; known types: ${knownTypes().join(', ')}`,
    );
  }
  const host = typeof row.host === 'string' ? row.host.trim() : '';
  if (!host || (isIP(host) === 0 && !HOSTNAME.test(host))) {
    fail('host', `"${String(row.host)}" is not an IP address or host name`);
  }
  if (isIP(host) === 0 && NUMERIC_LAST_LABEL.test(host)) {
    fail(
      'host',
      `"${host}" looks like an IPv4 address but is not one: write four numbers 0-255 (a.b.c.d), or a host name`,
    );
  }
  if (row.port !== null && !(Number.isInteger(row.port) && row.port >= 1 && row.port <= 65535)) {
    fail(
      'port',
      `${String(row.port)} is not a port number (1-65535), or leave it null for the default`,
    );
  }
  if (!Number.isInteger(row.intervalMs) || row.intervalMs < limits.minIntervalMs) {
    fail(
      'interval_ms',
      `${String(row.intervalMs)} is below the minimum of ${limits.minIntervalMs} ms (POLLFLEET_MIN_INTERVAL_MS)`,
    );
  }
  if (!Number.isInteger(row.timeoutMs) || row.timeoutMs <= 0) {
    fail('timeout_ms', `${String(row.timeoutMs)} must be a positive number of milliseconds`);
  }
  if (row.timeoutMs > row.intervalMs) {
    fail(
      'timeout_ms',
      `${row.timeoutMs} exceeds interval_ms ${row.intervalMs}; a poll must end before the next one is due`,
    );
  }
  const c = collector as Collector;
  let options: unknown;
  try {
    options = c.parseOptions(row.options ?? {}, row.id);
  } catch (err) {
    if (!(err instanceof DeviceConfigError)) {
      fail('options', err instanceof Error ? err.message : String(err));
    }
    // Name the column: collectors report fields inside the options object ("version").
    const e = err as DeviceConfigError;
    if (e.field === 'options' || e.field.startsWith('options.')) throw e;
    const inner = e.message.replace(`device ${row.id}: ${e.field}: `, '');
    fail(`options.${e.field}`, inner);
  }
  return {
    collector: c,
    spec: {
      id: row.id,
      name: row.name,
      collectorType: row.collectorType,
      host,
      port: row.port ?? c.defaultPortFor?.(options) ?? c.defaultPort,
      intervalMs: row.intervalMs,
      timeoutMs: row.timeoutMs,
      options,
      credentialsRef: row.credentialsRef,
      labels: row.labels,
      revision: row.revision,
    },
  };
}
