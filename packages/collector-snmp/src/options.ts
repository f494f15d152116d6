import { createCipheriv } from 'node:crypto';
import { ConfigError, DeviceConfigError } from '@pollfleet/core';
import { SnmpProfileError } from './errors.js';
import { parseSnmpProfile } from './profile.js';
import type { SnmpProfile, SnmpProfileSource } from './profile.js';

export type SnmpVersion = '1' | '2c' | '3';
export type SnmpSecurityLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
export const SNMP_AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export type SnmpAuthProtocol = (typeof SNMP_AUTH_PROTOCOLS)[number];
export type SnmpPrivProtocol = (typeof SNMP_PRIV_PROTOCOLS)[number];

/** v3 security parameters (keys come from the device's credentials, never from options). */
export interface SnmpV3Security {
  readonly level: SnmpSecurityLevel;
  readonly user: string;
  readonly authProtocol: SnmpAuthProtocol | undefined;
  readonly privProtocol: SnmpPrivProtocol | undefined;
}

/**
 * A device row's `options`, as parsed by {@link parseSnmpOptions}. Secrets are not here: the
 * community and v3 keys are read from the row's credentials (`community`, `authKey`, `privKey`).
 */
export interface SnmpOptions {
  readonly version: SnmpVersion;
  /** Only for version 3. */
  readonly security: SnmpV3Security | undefined;
  /** v3 context name. @defaultValue '' */
  readonly context: string;
  /** Timeout of one request before a retry, ms. @defaultValue 1500 */
  readonly requestTimeoutMs: number;
  /** Retries of one request. @defaultValue 1 */
  readonly retries: number;
  /** GETBULK max-repetitions. @defaultValue 25 */
  readonly maxRepetitions: number;
  /** Table columns asked for in one GETBULK (net-snmp's snmpd answers at most ~100 varbinds per GETBULK; more columns only get truncated). @defaultValue 20 */
  readonly columnsPerRequest: number;
  /** Requests of one device in flight at once (a weak device CPU is not flooded). @defaultValue 2 */
  readonly maxParallelRequests: number;
  /** Budget for the whole poll, ms; when it runs out the poll returns what it has, `partial`. @defaultValue 80 % of the device's timeout */
  readonly timeBudgetMs: number | undefined;
  /** A profile name (resolved by the profile source; `default` is built in) or an inline profile. @defaultValue 'default' */
  readonly profile: string | SnmpProfile;
}

let desProbe: boolean | undefined;
/** DES needs OpenSSL's legacy provider, which Node 17+ builds do not load by default. */
export function desAvailable(): boolean {
  if (desProbe === undefined) {
    try {
      createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
      desProbe = true;
    } catch {
      desProbe = false;
    }
  }
  return desProbe;
}

const KEYS = new Set([
  'version',
  'securityLevel',
  'user',
  'authProtocol',
  'privProtocol',
  'context',
  'timeoutMs',
  'retries',
  'maxRepetitions',
  'columnsPerRequest',
  'maxParallelRequests',
  'timeBudgetMs',
  'profile',
]);
const SECRET_KEYS = new Set([
  'community',
  'authKey',
  'privKey',
  'password',
  'authPassword',
  'privPassword',
]);

function int(
  o: Record<string, unknown>,
  key: string,
  def: number,
  min: number,
  max: number,
  deviceId: string,
): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new DeviceConfigError(deviceId, key, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

function oneOf<T extends string>(
  o: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  deviceId: string,
): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new DeviceConfigError(deviceId, key, `must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** Validates a device row's SNMP options; throws {@link DeviceConfigError} naming the field. */
export function parseSnmpOptions(raw: unknown, deviceId: string): SnmpOptions {
  const o: Record<string, unknown> =
    raw === null || raw === undefined ? {} : (raw as Record<string, unknown>);
  if (typeof o !== 'object' || Array.isArray(o)) {
    throw new DeviceConfigError(deviceId, 'options', 'must be a JSON object');
  }
  for (const k of Object.keys(o)) {
    if (SECRET_KEYS.has(k)) {
      throw new DeviceConfigError(
        deviceId,
        k,
        'secrets belong in the device credentials, not in options',
      );
    }
    if (!KEYS.has(k)) throw new DeviceConfigError(deviceId, k, 'unknown option');
  }
  const version = oneOf(o, 'version', ['1', '2c', '3'] as const, deviceId) ?? '2c';
  let security: SnmpV3Security | undefined;
  if (version === '3') {
    const level =
      oneOf(o, 'securityLevel', ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const, deviceId) ??
      'authPriv';
    const user = o.user;
    if (typeof user !== 'string' || user.length === 0 || user.length > 32) {
      throw new DeviceConfigError(
        deviceId,
        'user',
        'a v3 user name (1 to 32 characters) is required',
      );
    }
    let authProtocol = oneOf(o, 'authProtocol', SNMP_AUTH_PROTOCOLS, deviceId);
    let privProtocol = oneOf(o, 'privProtocol', SNMP_PRIV_PROTOCOLS, deviceId);
    if (level === 'noAuthNoPriv') {
      authProtocol = undefined;
      privProtocol = undefined;
    } else {
      authProtocol ??= 'sha';
      if (level === 'authNoPriv') privProtocol = undefined;
      else privProtocol ??= 'aes';
    }
    if (privProtocol === 'des' && !desAvailable()) {
      throw new DeviceConfigError(
        deviceId,
        'privProtocol',
        'DES is not available in this Node.js build (OpenSSL 3 without the legacy provider); use aes',
      );
    }
    security = { level, user, authProtocol, privProtocol };
  } else {
    for (const k of ['securityLevel', 'user', 'authProtocol', 'privProtocol']) {
      if (o[k] !== undefined)
        throw new DeviceConfigError(deviceId, k, 'only valid with version "3"');
    }
  }
  const context = o.context ?? '';
  if (typeof context !== 'string' || context.length > 32) {
    throw new DeviceConfigError(deviceId, 'context', 'must be a string of at most 32 characters');
  }
  if (context !== '' && version !== '3') {
    throw new DeviceConfigError(deviceId, 'context', 'only valid with version "3"');
  }
  let profile: string | SnmpProfile = 'default';
  if (typeof o.profile === 'string') {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(o.profile)) {
      throw new DeviceConfigError(
        deviceId,
        'profile',
        'a profile name is 1 to 64 of [A-Za-z0-9_.-]',
      );
    }
    profile = o.profile;
  } else if (o.profile !== undefined) {
    try {
      profile = parseSnmpProfile(o.profile, 'profile');
    } catch (err) {
      if (err instanceof SnmpProfileError) {
        throw new DeviceConfigError(deviceId, err.field, err.message.slice(err.field.length + 2));
      }
      throw err;
    }
  }
  const timeBudget = o.timeBudgetMs;
  return {
    version,
    security,
    context,
    requestTimeoutMs: int(o, 'timeoutMs', 1500, 50, 60_000, deviceId),
    retries: int(o, 'retries', 1, 0, 10, deviceId),
    maxRepetitions: int(o, 'maxRepetitions', 25, 1, 200, deviceId),
    columnsPerRequest: int(o, 'columnsPerRequest', 20, 1, 64, deviceId),
    maxParallelRequests: int(o, 'maxParallelRequests', 2, 1, 16, deviceId),
    timeBudgetMs:
      timeBudget === undefined ? undefined : int(o, 'timeBudgetMs', 0, 100, 3_600_000, deviceId),
    profile,
  };
}

/** What the pod passes when it builds the SNMP collector. */
export interface SnmpCollectorOptions {
  /** UDP sockets shared by every device of the pod. @defaultValue 4 */
  socketCount?: number;
  /** Devices whose session and previous sample are kept (least recently polled dropped). @defaultValue 20000 */
  maxDevices?: number;
  /** Named profiles (besides the built-in `default`). @defaultValue none: only `default` and inline profiles */
  profileSource?: SnmpProfileSource;
  /** How long a named profile is cached before it is read again, ms. @defaultValue 60000 */
  profileCacheMs?: number;
  /** Lifetime of a v3 engine record in the shared state, ms. @defaultValue 86400000 (one day) */
  engineTtlMs?: number;
  /** An unchanged v3 engine record is rewritten at most this often, ms. @defaultValue 600000 */
  engineRefreshMs?: number;
  /** Kernel receive buffer of each socket, bytes (best effort). @defaultValue 4194304 */
  receiveBufferBytes?: number;
  /**
   * Accept a reply from an address or port no device is polled at (a multi-homed or NATed agent
   * answering from another interface) when exactly one session waits for its request id, as
   * net-snmp and the Net-SNMP tools do. `false` drops such replies, like gosnmp's default
   * connected socket. See the package README. @defaultValue true
   */
  acceptRepliesFromAnyAddress?: boolean;
}

export interface ResolvedSnmpCollectorOptions {
  readonly socketCount: number;
  readonly maxDevices: number;
  readonly profileSource: SnmpProfileSource | undefined;
  readonly profileCacheMs: number;
  readonly engineTtlMs: number;
  readonly engineRefreshMs: number;
  readonly receiveBufferBytes: number;
  readonly acceptRepliesFromAnyAddress: boolean;
}

function pos(
  v: number | undefined,
  def: number,
  field: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`snmp.${field}`, `must be an integer from 1 to ${max}`);
  }
  return v;
}

function bool(v: boolean | undefined, def: boolean, field: string): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new ConfigError(`snmp.${field}`, 'must be true or false');
  return v;
}

export function resolveSnmpCollectorOptions(
  o: SnmpCollectorOptions = {},
): ResolvedSnmpCollectorOptions {
  return {
    socketCount: pos(o.socketCount, 4, 'socketCount', 256),
    maxDevices: pos(o.maxDevices, 20_000, 'maxDevices'),
    profileSource: o.profileSource,
    profileCacheMs: pos(o.profileCacheMs, 60_000, 'profileCacheMs'),
    engineTtlMs: pos(o.engineTtlMs, 86_400_000, 'engineTtlMs'),
    engineRefreshMs: pos(o.engineRefreshMs, 600_000, 'engineRefreshMs'),
    receiveBufferBytes: pos(o.receiveBufferBytes, 4 * 1024 * 1024, 'receiveBufferBytes'),
    acceptRepliesFromAnyAddress: bool(
      o.acceptRepliesFromAnyAddress,
      true,
      'acceptRepliesFromAnyAddress',
    ),
  };
}
