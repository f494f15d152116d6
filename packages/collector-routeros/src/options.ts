import { ConfigError, DeviceConfigError } from '@pollfleet/core';
import { normaliseFingerprint } from './transport.js';
import type { TlsSettings } from './transport.js';

/** An extra print command configured on the device row. */
export interface ExtraCommand {
  /** Key of its result in `data.extras`. */
  readonly name: string;
  /** Menu path without `/print`, e.g. `/ip/address`. */
  readonly command: string;
  /** Properties to fetch (`.proplist`); all when empty. */
  readonly proplist: readonly string[];
}

/** A device row's `options`, validated by {@link parseRouterOsOptions}. */
export interface RouterOsOptions {
  /**
   * `api` (TCP 8728), `api-ssl` (TLS 8729), `rest` (RouterOS 7 REST API over HTTPS, 443), or
   * `auto`: try the plain API on the row's port; if no plain API answers there, REST on
   * `restPort`; the answer is remembered per device.
   */
  readonly transport: 'api' | 'api-ssl' | 'rest' | 'auto';
  /** Certificate check for api-ssl, rest and the REST side of auto; undefined for api. */
  readonly tls: TlsSettings | undefined;
  /**
   * REST port probed by `auto`.
   * @defaultValue 443
   */
  readonly restPort: number | undefined;
  /** User name when the credentials carry none. */
  readonly username: string | undefined;
  /**
   * Per-command timeout for this device; the collector's default when undefined. Capped, like
   * every phase's timeout, by what is left of the device's `timeout_ms`.
   */
  readonly commandTimeoutMs: number | undefined;
  readonly extras: readonly ExtraCommand[];
}

const OPTION_KEYS = new Set([
  'transport',
  'tls',
  'restPort',
  'username',
  'commandTimeoutMs',
  'extras',
]);
const TLS_KEYS = new Set(['mode', 'ca', 'fingerprint', 'servername']);
const EXTRA_KEYS = new Set(['name', 'command', 'proplist']);
const EXTRA_NAME = /^[a-z][a-z0-9_-]{0,39}$/;
const COMMAND_PATH = /^(\/[a-z0-9][a-z0-9-]*){1,8}$/;
const PROPERTY = /^\.?[a-z0-9][a-z0-9.-]{0,63}$/;
const MAX_EXTRAS = 32;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validates a row's JSON options. Throws {@link DeviceConfigError} naming the field. Never
 * echoes a value that could be a secret.
 */
export function parseRouterOsOptions(raw: unknown, deviceId: string): RouterOsOptions {
  const bad = (field: string, message: string) => new DeviceConfigError(deviceId, field, message);
  const o = raw ?? {};
  if (!isRecord(o)) throw bad('options', 'must be a JSON object');
  if ('password' in o) {
    throw bad(
      'options.password',
      'the password belongs in the credentials (key "password"), never in the options',
    );
  }
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.has(k)) throw bad(k, `unknown option (known: ${[...OPTION_KEYS].join(', ')})`);
  }
  const transport = o['transport'] ?? 'api';
  if (
    transport !== 'api' &&
    transport !== 'api-ssl' &&
    transport !== 'rest' &&
    transport !== 'auto'
  ) {
    throw bad('transport', 'must be "api", "api-ssl", "rest" or "auto"');
  }

  let tls: TlsSettings | undefined;
  if (transport !== 'api') tls = parseTls(o['tls'] ?? { mode: 'verify' }, bad);
  else if (o['tls'] !== undefined)
    throw bad('tls', 'applies only to transports "api-ssl", "rest" and "auto"');

  const restPort = o['restPort'];
  if (restPort !== undefined) {
    if (transport !== 'auto') throw bad('restPort', 'applies only to transport "auto"');
    if (!Number.isInteger(restPort) || (restPort as number) < 1 || (restPort as number) > 65535) {
      throw bad('restPort', 'must be a TCP port (1-65535)');
    }
  }

  const username = o['username'];
  if (username !== undefined && (typeof username !== 'string' || username === '')) {
    throw bad('username', 'must be a non-empty string');
  }
  const timeout = o['commandTimeoutMs'];
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= 600_000)
  ) {
    throw bad('commandTimeoutMs', 'must be an integer number of milliseconds from 1 to 600000');
  }
  return {
    transport,
    tls,
    restPort: restPort as number | undefined,
    username: username,
    commandTimeoutMs: timeout as number | undefined,
    extras: parseExtras(o['extras'], bad),
  };
}

type Bad = (field: string, message: string) => DeviceConfigError;

function parseTls(raw: unknown, bad: Bad): TlsSettings {
  if (!isRecord(raw)) throw bad('tls', 'must be an object with a "mode"');
  for (const k of Object.keys(raw))
    if (!TLS_KEYS.has(k)) throw bad(`tls.${k}`, 'unknown TLS option');
  const mode = raw['mode'];
  if (mode === 'verify') {
    const ca = raw['ca'];
    if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('BEGIN CERTIFICATE'))) {
      throw bad('tls.ca', 'must be PEM text with at least one certificate');
    }
    const servername = raw['servername'];
    if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
      throw bad('tls.servername', 'must be a non-empty host name');
    }
    return {
      mode,
      ...(ca !== undefined ? { ca } : {}),
      ...(servername !== undefined ? { servername } : {}),
    };
  }
  if (mode === 'fingerprint') {
    const fp = raw['fingerprint'];
    if (
      typeof fp !== 'string' ||
      normaliseFingerprint(fp).length !== 64 ||
      /[^0-9a-f:\s]/i.test(fp)
    ) {
      throw bad(
        'tls.fingerprint',
        'must be the SHA-256 of the certificate: 64 hex digits, colons optional',
      );
    }
    return { mode, fingerprint: fp };
  }
  if (mode === 'insecure-self-signed') return { mode };
  throw bad('tls.mode', 'must be "verify", "fingerprint" or "insecure-self-signed"');
}

function parseExtras(raw: unknown, bad: Bad): ExtraCommand[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad('extras', 'must be an array');
  if (raw.length > MAX_EXTRAS) throw bad('extras', `at most ${MAX_EXTRAS} entries`);
  const names = new Set<string>();
  return raw.map((e: unknown, i): ExtraCommand => {
    const f = `extras[${i}]`;
    if (!isRecord(e)) throw bad(f, 'must be an object { name, command, proplist }');
    for (const k of Object.keys(e)) if (!EXTRA_KEYS.has(k)) throw bad(`${f}.${k}`, 'unknown field');
    const name = e['name'];
    if (typeof name !== 'string' || !EXTRA_NAME.test(name))
      throw bad(`${f}.name`, `must match ${EXTRA_NAME.source}`);
    if (names.has(name)) throw bad(`${f}.name`, `"${name}" is used twice`);
    names.add(name);
    let command = e['command'];
    if (typeof command !== 'string')
      throw bad(`${f}.command`, 'must be a menu path such as "/ip/address"');
    command = command.replace(/\/print$/, '');
    if (!COMMAND_PATH.test(command as string)) {
      throw bad(
        `${f}.command`,
        'must be a menu path such as "/ip/address" (only print commands are run)',
      );
    }
    const proplist = e['proplist'] ?? [];
    if (
      !Array.isArray(proplist) ||
      proplist.length > 64 ||
      !proplist.every((p) => typeof p === 'string' && PROPERTY.test(p))
    ) {
      throw bad(`${f}.proplist`, 'must be an array of at most 64 property names');
    }
    return { name, command: command as string, proplist: proplist as string[] };
  });
}

/** Collector-wide settings (not per device). */
export interface RouterOsCollectorOptions {
  /**
   * TCP connect plus TLS handshake; capped by what is left of the device's `timeout_ms`.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * Default per-command timeout (the login too); a device's `commandTimeoutMs` overrides it.
   * Capped by what is left of the device's `timeout_ms`.
   * @defaultValue 10000
   */
  commandTimeoutMs?: number;
  /**
   * How long a `/cancel` may take before the connection is taken as hung and replaced.
   * @defaultValue 5000
   */
  cancelTimeoutMs?: number;
  /**
   * Keep one logged-in connection per device across polls. false opens and closes one per
   * poll (for comparison in benchmarks).
   * @defaultValue true
   */
  reuseConnections?: boolean;
  /**
   * Most items one print may return (memory bound per poll).
   * @defaultValue 50000
   */
  maxItemsPerCommand?: number;
}

export interface ResolvedRouterOsCollectorOptions {
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly reuseConnections: boolean;
  readonly maxItemsPerCommand: number;
}

export function resolveRouterOsCollectorOptions(
  o: RouterOsCollectorOptions = {},
): ResolvedRouterOsCollectorOptions {
  const positive = (field: string, v: number | undefined, d: number): number => {
    const x = v ?? d;
    if (!Number.isInteger(x) || x < 1)
      throw new ConfigError(`routeros.${field}`, 'must be a positive integer');
    return x;
  };
  return {
    connectTimeoutMs: positive('connectTimeoutMs', o.connectTimeoutMs, 5000),
    commandTimeoutMs: positive('commandTimeoutMs', o.commandTimeoutMs, 10_000),
    cancelTimeoutMs: positive('cancelTimeoutMs', o.cancelTimeoutMs, 5000),
    reuseConnections: o.reuseConnections ?? true,
    maxItemsPerCommand: positive('maxItemsPerCommand', o.maxItemsPerCommand, 50_000),
  };
}
