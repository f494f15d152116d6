/**
 * A small key/value store visible to every pod, namespaced by the caller. Values are strings;
 * callers JSON-encode. Used for state that must survive a device moving to another pod.
 */
export interface SharedStateStore {
  get(key: string): Promise<string | undefined>;
  /** `ttlMs` bounds how long an unused entry lives; omit for no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}
