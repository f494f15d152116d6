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

/** A view of `store` whose keys are prefixed with `namespace:` (one per collector type). */
export function namespacedSharedState(
  store: SharedStateStore,
  namespace: string,
): SharedStateStore {
  const k = (key: string): string => `${namespace}:${key}`;
  return {
    get: (key) => store.get(k(key)),
    set: (key, value, ttlMs) => store.set(k(key), value, ttlMs),
    delete: (key) => store.delete(k(key)),
  };
}
