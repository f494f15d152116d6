import type { Redis } from 'ioredis';
import type { FleetKeys } from './keys.js';

/**
 * Deletes every key under `keys.prefix` (SCAN + UNLINK, in batches). For tests, benchmarks and
 * decommissioning a fleet; never called by a running poller. Returns how many keys were removed.
 */
export async function deleteFleetKeys(redis: Redis, keys: FleetKeys): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.pattern(), 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) removed += await redis.unlink(...found);
  } while (cursor !== '0');
  return removed;
}
