import type { RedisOptions } from 'ioredis';

/**
 * Client options the fleet's stores are meant to run with. The caller creates the client (there
 * is no global one) and may spread these first:
 *
 * - `enableAutoPipelining`: per-poll commands issued in the same tick share one round trip.
 * - `commandTimeout` / `maxRetriesPerRequest`: a call against a dead or unreachable server
 *   rejects within seconds instead of waiting for reconnection; the engine then treats the
 *   lease as lost. ioredis keeps reconnecting in the background.
 *
 * The timeout starts when ioredis sends a command, and with auto-pipelining a command issued
 * while an earlier pipeline is still running waits behind it unsent: during an outage a call can
 * take up to about twice `commandTimeout`. The engine does not rely on the bound: a slot whose
 * lease answer comes later than min(timeout, interval / 2) after it is skipped (`skipped_late`).
 */
export const recommendedRedisOptions = Object.freeze({
  enableAutoPipelining: true,
  commandTimeout: 2_000,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number): number => Math.min(times * 100, 2_000),
} satisfies RedisOptions);
