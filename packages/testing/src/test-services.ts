/**
 * Where the integration tests find the machine's services, in one place. Defaults are this
 * machine kind's (PostgreSQL trust on 127.0.0.1:5432 with databases `test` and `postgres`,
 * Redis on 127.0.0.1:6379); a machine that has them elsewhere sets
 *
 * - `POLLFLEET_TEST_DATABASE_URL`: the database tests create their schemas in
 *   (default `postgres://postgres@127.0.0.1:5432/test`);
 * - `POLLFLEET_TEST_ADMIN_DATABASE_URL`: a database on the same server to create and drop
 *   scratch databases from (default: the test URL with database `postgres`);
 * - `POLLFLEET_TEST_REDIS_URL`: the Redis tests use under random key prefixes
 *   (default `redis://127.0.0.1:6379`).
 *
 * This is a test-only package, so it reads `process.env` itself (the poller's configuration
 * stays in `apps/poller/src/config.ts`). Importing this module is what makes a test file an
 * integration test (`scripts/test-files.mjs`); a unit run (`POLLFLEET_TEST_SCOPE=unit`, set by
 * `npm run test:unit`) refuses every service here, so a misclassified test fails loudly instead
 * of quietly needing a service.
 */

export const TEST_SERVICE_DEFAULTS = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: 'redis://127.0.0.1:6379',
} as const;

/** Throws when this process runs the hermetic (unit) tests: `what` needs a real service. */
export function requireServices(what: string): void {
  if (process.env['POLLFLEET_TEST_SCOPE'] === 'unit') {
    throw new Error(
      `${what} needs a real service, but this is a unit run (POLLFLEET_TEST_SCOPE=unit): ` +
        `the test file must import '@pollfleet/testing/services' (directly or through a local ` +
        `helper) so that scripts/test-files.mjs classifies it as an integration test`,
    );
  }
}

function urlFrom(variable: string, fallback: string, protocols: readonly string[]): URL {
  const raw = process.env[variable];
  const value = raw === undefined || raw === '' ? fallback : raw;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${variable}: "${value}" is not a URL (e.g. ${fallback})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new Error(
      `${variable}: must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL (e.g. ${fallback})`,
    );
  }
  return url;
}

function databaseUrl(): URL {
  requireServices('PostgreSQL');
  return urlFrom('POLLFLEET_TEST_DATABASE_URL', TEST_SERVICE_DEFAULTS.databaseUrl, [
    'postgres:',
    'postgresql:',
  ]);
}

/** The URL of the test database (schemas are created in it, one per test). */
export function testDatabaseUrl(): string {
  return databaseUrl().href;
}

/** The URL of database `name` on the test database's server (same user and host). */
export function testDatabaseUrlFor(name: string): string {
  const url = databaseUrl();
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.href;
}

/** A database on the test server to create and drop scratch databases from. */
export function testAdminDatabaseUrl(): string {
  requireServices('PostgreSQL');
  const admin = process.env['POLLFLEET_TEST_ADMIN_DATABASE_URL'];
  if (admin === undefined || admin === '') return testDatabaseUrlFor('postgres');
  return urlFrom('POLLFLEET_TEST_ADMIN_DATABASE_URL', testDatabaseUrlFor('postgres'), [
    'postgres:',
    'postgresql:',
  ]).href;
}

/** The URL of the test Redis (tests use random key prefixes and delete them). */
export function testRedisUrl(): string {
  requireServices('Redis');
  return urlFrom('POLLFLEET_TEST_REDIS_URL', TEST_SERVICE_DEFAULTS.redisUrl, ['redis:', 'rediss:'])
    .href;
}

/** Host and port of a service URL, for a proxy in front of it. */
export function serviceEndpoint(url: string): { host: string; port: number } {
  const u = new URL(url);
  const fallback = u.protocol.startsWith('redis') ? 6379 : 5432;
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    host: host === '' ? '127.0.0.1' : host,
    port: u.port === '' ? fallback : Number(u.port),
  };
}
