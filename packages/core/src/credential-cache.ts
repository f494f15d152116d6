import type { Clock } from './clock.js';
import type { CredentialResolver, Credentials } from './credentials.js';
import { CollectError } from './errors.js';
import { settleWithin } from './settle-within.js';

interface Entry {
  creds: Credentials;
  expiresAt: number;
  /** A background re-read is running: one at a time per reference. */
  refreshing: boolean;
}

/**
 * Resolves credential references without a database round trip per poll. An entry is fresh for
 * `ttlMs`; after that it is still served at once while a re-read runs in the background, so a
 * credential store that stops answering (a silent partition) never holds polls up. Every read
 * is bounded by `readTimeoutMs`. Entries are dropped early when the reconciler hears that a
 * device's row or secret changed; a re-read that finds the secret gone drops it too.
 */
export class CredentialCache {
  readonly #resolver: CredentialResolver | undefined;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #readTimeoutMs: number;
  readonly #entries = new Map<string, Entry>();
  /** Reads of references with no entry yet, shared by the polls that wait for them. */
  readonly #loading = new Map<string, Promise<Credentials>>();
  /** Bumped by {@link invalidate}: a read that began before it must not store what it read. */
  readonly #generation = new Map<string, number>();

  constructor(
    resolver: CredentialResolver | undefined,
    clock: Clock,
    ttlMs: number,
    readTimeoutMs = 5_000,
  ) {
    this.#resolver = resolver;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#readTimeoutMs = readTimeoutMs;
  }

  /** Rejects with a CollectError: missing secrets are permanent, an unreachable store transient. */
  get(ref: string): Promise<Credentials> {
    const hit = this.#entries.get(ref);
    if (hit) {
      if (hit.expiresAt <= this.#clock.now() && !hit.refreshing) this.#refresh(ref, hit);
      return Promise.resolve(hit.creds);
    }
    const resolver = this.#resolver;
    if (!resolver) {
      return Promise.reject(
        CollectError.permanent(
          'CREDENTIALS_UNAVAILABLE',
          `credentials "${ref}" are referenced but no credential store is configured`,
        ),
      );
    }
    let loading = this.#loading.get(ref);
    if (!loading) {
      const read = this.#read(resolver, ref).finally(() => {
        if (this.#loading.get(ref) === read) this.#loading.delete(ref);
      });
      loading = read;
      this.#loading.set(ref, read);
    }
    return loading;
  }

  invalidate(ref: string): void {
    this.#entries.delete(ref);
    this.#loading.delete(ref);
    this.#generation.set(ref, (this.#generation.get(ref) ?? 0) + 1);
  }

  /** Re-reads a stale entry in the background; until it answers, the stale secret is served. */
  #refresh(ref: string, entry: Entry): void {
    const resolver = this.#resolver;
    if (!resolver) return;
    entry.refreshing = true;
    this.#read(resolver, ref).then(
      () => undefined,
      (err: unknown) => {
        // Unreachable: keep serving the last known secret, and try again at the next poll.
        // Missing: #read dropped the entry, so the next poll reports it.
        if (err instanceof CollectError && err.kind === 'permanent') return;
        if (this.#entries.get(ref) === entry) entry.refreshing = false;
      },
    );
  }

  async #read(resolver: CredentialResolver, ref: string): Promise<Credentials> {
    const generation = this.#generation.get(ref);
    let creds: Credentials | undefined;
    try {
      creds = await this.#bounded(resolver.resolve(ref), ref);
    } catch (err) {
      if (err instanceof CollectError) throw err;
      throw CollectError.transient(
        'CREDENTIALS_UNREACHABLE',
        `could not read credentials "${ref}": ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    const current = this.#generation.get(ref) === generation;
    if (!creds) {
      if (current) this.#entries.delete(ref);
      throw CollectError.permanent(
        'CREDENTIALS_MISSING',
        `no credentials are stored under "${ref}"; add them or fix the device's credentials_ref`,
      );
    }
    if (current) {
      this.#entries.set(ref, {
        creds,
        expiresAt: this.#clock.now() + this.#ttlMs,
        refreshing: false,
      });
    }
    return creds;
  }

  #bounded<T>(p: Promise<T>, ref: string): Promise<T> {
    return settleWithin(p, this.#readTimeoutMs, this.#clock, () =>
      CollectError.transient(
        'CREDENTIALS_UNREACHABLE',
        `the credential store did not answer for "${ref}" within ${this.#readTimeoutMs} ms`,
      ),
    );
  }
}
