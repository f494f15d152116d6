import { Credentials } from '@pollfleet/core';
import type { CredentialResolver } from '@pollfleet/core';
import type { Kysely } from 'kysely';
import type { InventoryDatabase } from './database.js';
import { CredentialsFormatError } from './errors.js';
import { assertSchemaName } from './options.js';

/**
 * Reads `credentials.secret` (a JSON object of strings) by ref. Plaintext for now; the
 * operations stage adds encryption. Shares the caller's Kysely pool and never closes it.
 */
export class PostgresCredentialResolver implements CredentialResolver {
  readonly #db: Kysely<InventoryDatabase>;

  constructor(db: Kysely<InventoryDatabase>, schema = 'public') {
    assertSchemaName(schema);
    this.#db = db.withSchema(schema);
  }

  async resolve(ref: string): Promise<Credentials | undefined> {
    const row = await this.#db
      .selectFrom('credentials')
      .select('secret')
      .where('ref', '=', ref)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return new Credentials(parseSecret(ref, row.secret));
  }
}

/** Accepts only `{ "key": "string", ... }`; errors name the ref and key, never a value. */
export function parseSecret(ref: string, secret: unknown): Record<string, string> {
  if (secret === null || typeof secret !== 'object' || Array.isArray(secret)) {
    const kind = secret === null ? 'null' : Array.isArray(secret) ? 'an array' : typeof secret;
    throw new CredentialsFormatError(ref, `secret must be a JSON object of strings, got ${kind}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
      throw new CredentialsFormatError(ref, `secret key "${key}" must be a string, got ${kind}`);
    }
    out[key] = value;
  }
  return out;
}
