/** A timer handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * Time, injected. Scheduling logic is tested with a fake clock in milliseconds of test time.
 * `now()` is epoch milliseconds, so every pod computes the same poll phases.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};
