import type { Clock } from './clock.js';
import type { CredentialResolver, Credentials } from './credentials.js';
import { CollectError } from './errors.js';

/**
 * Resolves credential references without a database round trip per poll. Entries live for
 * `ttlMs` and are dropped early when the reconciler hears that a device's row or secret changed.
 */
export class CredentialCache {
  readonly #resolver: CredentialResolver | undefined;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { creds: Credentials; expiresAt: number }>();

  constructor(resolver: CredentialResolver | undefined, clock: Clock, ttlMs: number) {
    this.#resolver = resolver;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** Rejects with a CollectError: missing secrets are permanent, an unreachable store transient. */
  async get(ref: string): Promise<Credentials> {
    const now = this.#clock.now();
    const hit = this.#entries.get(ref);
    if (hit && hit.expiresAt > now) return hit.creds;
    if (!this.#resolver) {
      throw CollectError.permanent(
        'CREDENTIALS_UNAVAILABLE',
        `credentials "${ref}" are referenced but no credential store is configured`,
      );
    }
    let creds: Credentials | undefined;
    try {
      creds = await this.#resolver.resolve(ref);
    } catch (err) {
      if (hit) return hit.creds; // keep polling with the last known secret while the store is down
      throw CollectError.transient(
        'CREDENTIALS_UNREACHABLE',
        `could not read credentials "${ref}": ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    if (!creds) {
      this.#entries.delete(ref);
      throw CollectError.permanent(
        'CREDENTIALS_MISSING',
        `no credentials are stored under "${ref}"; add them or fix the device's credentials_ref`,
      );
    }
    this.#entries.set(ref, { creds, expiresAt: now + this.#ttlMs });
    return creds;
  }

  invalidate(ref: string): void {
    this.#entries.delete(ref);
  }
}
