import type { Clock } from './clock.js';

/**
 * Settles as `p` does, or rejects with `onTimeout()` when `p` has not settled within `ms` of
 * `clock` time. The timer is cancelled either way; `p` itself is not cancelled.
 */
export function settleWithin<T>(
  p: Promise<T>,
  ms: number,
  clock: Clock,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
