import { CollectError } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { SnmpErrorCode, SnmpProfileError } from './errors.js';
import { DEFAULT_SNMP_PROFILE, parseSnmpProfile } from './profile.js';
import type { SnmpProfile, SnmpProfileSource } from './profile.js';

const MAX_ENTRIES = 1000;

/**
 * Named profiles read from the profile source, parsed once and kept for a while. Only profiles
 * that exist are kept: a profile created after a miss is found at the next look-up.
 */
export class SnmpProfileCache {
  readonly #source: SnmpProfileSource | undefined;
  readonly #clock: Clock;
  readonly #cacheMs: number;
  readonly #entries = new Map<string, { profile: SnmpProfile; readAt: number }>();

  constructor(source: SnmpProfileSource | undefined, clock: Clock, cacheMs: number) {
    this.#source = source;
    this.#clock = clock;
    this.#cacheMs = cacheMs;
  }

  /**
   * The profile a row names, with its name (`inline` for an inline one). `maxAgeMs` bounds how
   * old a cached copy may be. Throws a permanent `SNMP_UNKNOWN_PROFILE` CollectError when the
   * profile does not exist or is invalid, a transient `SNMP_PROFILE_UNAVAILABLE` when the source
   * cannot be read.
   */
  async resolve(p: string | SnmpProfile, maxAgeMs = this.#cacheMs): Promise<[string, SnmpProfile]> {
    if (typeof p !== 'string') return ['inline', p];
    if (p === 'default') return ['default', DEFAULT_SNMP_PROFILE];
    const now = this.#clock.now();
    const hit = this.#entries.get(p);
    if (hit && now - hit.readAt < Math.min(maxAgeMs, this.#cacheMs)) return [p, hit.profile];
    if (!this.#source) {
      throw CollectError.permanent(
        SnmpErrorCode.UnknownProfile,
        `SNMP profile "${p}" does not exist: this poller has no profile source; set options.profile to "default" or an inline profile`,
      );
    }
    let raw: unknown;
    try {
      raw = await this.#source.get(p);
    } catch {
      throw CollectError.transient(
        SnmpErrorCode.ProfileUnavailable,
        `SNMP profile "${p}" could not be read from the profile source`,
      );
    }
    if (raw === undefined || raw === null) {
      this.#entries.delete(p);
      throw CollectError.permanent(
        SnmpErrorCode.UnknownProfile,
        `SNMP profile "${p}" does not exist; add it to the snmp_profiles table, or set options.profile to a stored profile, "default" or an inline profile`,
      );
    }
    let profile: SnmpProfile;
    try {
      profile = parseSnmpProfile(raw, `profile "${p}"`);
    } catch (err) {
      if (!(err instanceof SnmpProfileError)) throw err;
      this.#entries.delete(p);
      throw CollectError.permanent(
        SnmpErrorCode.UnknownProfile,
        `stored SNMP profile "${p}" is invalid (${err.message}); fix its definition in snmp_profiles`,
      );
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(p, { profile, readAt: now });
    return [p, profile];
  }
}
