import type { BreakerSnapshot } from './breaker.js';

/**
 * Keeps breaker state beside the lease (Redis in a fleet), so a device that moves to another
 * pod keeps its backoff and a restart does not hammer dead devices afresh.
 */
export interface BreakerStore {
  load(deviceId: string): Promise<BreakerSnapshot | undefined>;
  save(deviceId: string, snapshot: BreakerSnapshot): Promise<void>;
  delete(deviceId: string): Promise<void>;
}
