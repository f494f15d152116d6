import { ConfigError } from '@pollfleet/core';

/**
 * Every Redis key of the fleet, built in one place.
 *
 * Per-device keys carry the device id as a hash tag, `<prefix>:dev:{<deviceId>}:<what>`, so a
 * device's lease, fence and breaker share one cluster slot and one script may touch them together.
 *
 * | key                                  | type   | written by                     | expiry            |
 * |--------------------------------------|--------|--------------------------------|-------------------|
 * | `<prefix>:dev:{<id>}:lease`          | hash   | lease scripts (`token`,`fence`)| lease TTL         |
 * | `<prefix>:dev:{<id>}:fence`          | string | `acquire-3.lua` (last fence)   | `fenceTtlMs`      |
 * | `<prefix>:dev:{<id>}:slot`           | string | acquire/extend (last slot)     | `fenceTtlMs`      |
 * | `<prefix>:dev:{<id>}:breaker`        | string | RedisBreakerStore (JSON)       | `ttlMs` (7 days)  |
 * | `<prefix>:state:<namespace>:<key>`   | string | RedisSharedState               | caller's `ttlMs`  |
 * | `<prefix>:members`                  | zset   | RedisMembership (member→expiry)| membership TTL    |
 * | `<prefix>:results`                   | stream | RedisStreamsBus (bus-redis)    | MAXLEN ~          |
 */
export class FleetKeys {
  readonly prefix: string;

  /** @param prefix - first segment of every key; no braces, no whitespace. */
  constructor(prefix = 'pollfleet') {
    if (prefix.length === 0 || /[{}\s]/.test(prefix)) {
      throw new ConfigError('redis.keyPrefix', 'must be non-empty, without braces or whitespace');
    }
    this.prefix = prefix;
  }

  /** Hash `{token, fence}` of the device's current lease holder. */
  lease(deviceId: string): string {
    return `${this.device(deviceId)}:lease`;
  }

  /** The newest fence handed out for the device (string integer). */
  fence(deviceId: string): string {
    return `${this.device(deviceId)}:fence`;
  }

  /** The latest poll slot any holder claimed: a new holder never polls it again. */
  slot(deviceId: string): string {
    return `${this.device(deviceId)}:slot`;
  }

  /** JSON breaker snapshot that follows the device between pods. */
  breaker(deviceId: string): string {
    return `${this.device(deviceId)}:breaker`;
  }

  /** One shared-state entry. */
  sharedState(namespace: string, key: string): string {
    return `${this.prefix}:state:${namespace}:${key}`;
  }

  /** Sorted set of live pods, scored by the epoch ms their membership expires. */
  members(): string {
    return `${this.prefix}:members`;
  }

  /** The results stream (Redis Streams). */
  results(): string {
    return `${this.prefix}:results`;
  }

  /** SCAN MATCH pattern covering every key under this prefix (tests, tooling). */
  pattern(): string {
    return `${this.prefix}:*`;
  }

  private device(deviceId: string): string {
    return `${this.prefix}:dev:{${deviceId}}`;
  }
}
