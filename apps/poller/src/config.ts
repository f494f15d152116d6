import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from '@pollfleet/core';

/** The poller's resolved configuration. Only this module reads `process.env`. */
export interface PollerConfig {
  /** Undefined: the embedded PostgreSQL in {@link dataDir} (standalone mode). */
  readonly databaseUrl: string | undefined;
  /** Absolute folder of the embedded inventory (used only without a database URL). */
  readonly dataDir: string;
  /** Seed and start the simulated lab on an empty embedded inventory. */
  readonly demo: boolean;
  readonly databaseSchema: string;
  /** Undefined: single-pod mode with in-memory leases, breaker state and bus. */
  readonly redisUrl: string | undefined;
  readonly keyPrefix: string;
  /** Empty: `<prefix>:results`. */
  readonly resultsStream: string;
  readonly resultsMaxLen: number;
  readonly podId: string;
  readonly concurrency: number;
  readonly dispatchGridMs: number;
  readonly refreshMs: number;
  readonly minIntervalMs: number;
  readonly leaseMarginMs: number;
  readonly watchdogMs: number;
  readonly shutdownGraceMs: number;
  readonly breakerFailures: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
  readonly migrate: boolean;
  readonly collectorModules: readonly string[];
  /** How long the reconciler waits for a collector's row check before accepting the row. */
  readonly validateTimeoutMs: number;
  /** UDP sockets the SNMP collector shares between every device of the pod. */
  readonly snmpSockets: number;
  /** Whether the SNMP collector accepts a reply from an address no device is polled at. */
  readonly snmpAcceptAnyAddress: boolean;
  /** `POLLFLEET_*` variables that are set but mean nothing (typos), with a suggestion. */
  readonly unknownVariables: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads `POLLFLEET_*` variables, fills defaults and validates. A bad value stops start-up with a
 * {@link ConfigError} naming the variable and what it accepts.
 */
export function resolvePollerConfig(
  env: Env = process.env,
  overrides: { migrate?: boolean; demo?: boolean } = {},
  cwd: string = process.cwd(),
): PollerConfig {
  return readPollerConfig(env, overrides, new Map(), cwd);
}

/**
 * Every `POLLFLEET_*` variable the poller reads (without the prefix) and its default. The reads in
 * {@link readPollerConfig} are the one declaration: this list, the unknown-variable check and
 * the README table (checked by `apps/poller/test/config.test.ts`) follow from them.
 */
export function pollerSettings(): { name: string; default: string | undefined }[] {
  const names = new Map<string, string | undefined>();
  readPollerConfig({}, {}, names, '/');
  return [...names].map(([name, def]) => ({ name, default: def }));
}

function readPollerConfig(
  env: Env,
  overrides: { migrate?: boolean; demo?: boolean },
  names: Map<string, string | undefined>,
  cwd: string,
): PollerConfig {
  const str = (name: string, def: string): string => {
    names.set(name, def);
    const v = env[`POLLFLEET_${name}`];
    return v === undefined || v.trim() === '' ? def : v.trim();
  };
  const int = (name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    names.set(name, String(def));
    const raw = env[`POLLFLEET_${name}`];
    if (raw === undefined || raw.trim() === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(
        `POLLFLEET_${name}`,
        `"${raw}" is not an integer between ${min} and ${max}`,
      );
    }
    return n;
  };
  const bool = (name: string, def: boolean): boolean => {
    names.set(name, String(def));
    const raw = env[`POLLFLEET_${name}`]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return def;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    throw new ConfigError(`POLLFLEET_${name}`, `"${raw}" is not a boolean (true/false)`);
  };
  const url = (name: string, def: string | undefined, protocols: string[]): string | undefined => {
    names.set(name, def);
    const raw = env[`POLLFLEET_${name}`]?.trim();
    const v = raw === undefined || raw === '' ? def : raw;
    if (v === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      throw new ConfigError(
        `POLLFLEET_${name}`,
        `is not a URL (expected ${protocols.map((p) => `${p}//...`).join(' or ')})`,
      );
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(
        `POLLFLEET_${name}`,
        `scheme "${parsed.protocol}" is not one of ${protocols.join(', ')}`,
      );
    }
    return v;
  };

  const keyPrefix = str('KEY_PREFIX', 'pollfleet');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('POLLFLEET_KEY_PREFIX', 'use 1-64 letters, digits, "_", ".", ":" or "-"');
  }
  const schema = str('DATABASE_SCHEMA', 'public');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError('POLLFLEET_DATABASE_SCHEMA', 'must be a lower-case SQL identifier');
  }
  const logLevel = str('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      'POLLFLEET_LOG_LEVEL',
      `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const podId = str('POD_ID', hostname());
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(podId)) {
    throw new ConfigError('POLLFLEET_POD_ID', 'use 1-128 letters, digits, "_", "." or "-"');
  }
  const migrateSetting = bool('MIGRATE', false); // read even when overridden: it stays known
  const demoSetting = bool('DEMO', true);
  const databaseUrl = url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  const redisUrl = checkedRedisUrl(url('REDIS_URL', undefined, ['redis:', 'rediss:']));
  if (redisUrl !== undefined && databaseUrl === undefined) {
    throw new ConfigError(
      'POLLFLEET_DATABASE_URL',
      'is required with POLLFLEET_REDIS_URL: the pods of a fleet share one PostgreSQL server (the embedded inventory belongs to a single process); set it, or unset POLLFLEET_REDIS_URL for standalone mode',
    );
  }
  const config = {
    databaseUrl,
    dataDir: resolve(cwd, str('DATA_DIR', '.pollfleet/data')),
    demo: overrides.demo ?? demoSetting,
    databaseSchema: schema,
    redisUrl,
    keyPrefix,
    resultsStream: str('RESULTS_STREAM', ''),
    resultsMaxLen: int('RESULTS_MAXLEN', 100_000, 100),
    podId,
    concurrency: int('CONCURRENCY', 64, 1, 10_000),
    dispatchGridMs: int('DISPATCH_GRID_MS', 20, 0, 1000),
    refreshMs: int('REFRESH_MS', 30_000, 100),
    minIntervalMs: int('MIN_INTERVAL_MS', 1000, 10),
    leaseMarginMs: int('LEASE_MARGIN_MS', 15_000, 0),
    watchdogMs: int('WATCHDOG_MS', 60_000, 1000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0),
    breakerFailures: int('BREAKER_FAILURES', 3, 1, 1000),
    httpHost: str('HTTP_HOST', '0.0.0.0'),
    httpPort: int('HTTP_PORT', 9464, 0, 65535),
    logLevel,
    // The embedded inventory is this process's own: its schema is always brought up to date.
    migrate: databaseUrl === undefined || (overrides.migrate ?? migrateSetting),
    collectorModules: str('COLLECTOR_MODULES', '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    validateTimeoutMs: int('VALIDATE_TIMEOUT_MS', 5_000, 1, 600_000),
    snmpSockets: int('SNMP_SOCKETS', 4, 1, 256),
    snmpAcceptAnyAddress: bool('SNMP_ACCEPT_ANY_ADDRESS', true),
  };
  // After every read: `names` now holds every variable this function knows.
  const known = new Set([...names.keys()].map((v) => `POLLFLEET_${v}`));
  const unknownVariables = Object.keys(env)
    .filter((k) => k.startsWith('POLLFLEET_') && !known.has(k))
    .map((k) => {
      const near = [...known].find((v) => editDistance(v, k) <= 2);
      return near ? `${k} (did you mean ${near}?)` : k;
    });
  return { ...config, unknownVariables };
}

/**
 * What can be checked of a Redis URL without a server: a host, and a database number (the path)
 * that is a non-negative integer. Whether the server has that database is checked at start-up.
 */
function checkedRedisUrl(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const u = new URL(v);
  if (u.hostname === '') {
    throw new ConfigError('POLLFLEET_REDIS_URL', 'has no host (expected redis://host:port/db)');
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,9}$/.test(db)) {
    throw new ConfigError(
      'POLLFLEET_REDIS_URL',
      `database "${decodeURIComponent(db).slice(0, 20)}" is not a database number (redis://host:port/0, /1, ...)`,
    );
  }
  return v;
}

/** Levenshtein distance, for "did you mean" on misspelled variables. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
