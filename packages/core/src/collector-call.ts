import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { CollectResult, Collector } from './collector.js';
import type { Credentials } from './credentials.js';
import type { DeviceSpec } from './device.js';
import { CollectError, PollTimeoutError, toCollectError } from './errors.js';

export const POLLER_STOPPING = 'POLLER_STOPPING';

export interface CollectorCall {
  /** The poll's outcome: the collector's answer, or a CollectError at the timeout or shutdown. */
  readonly result: Promise<CollectResult>;
  /** Settles when the collector itself is done, which may be later if it ignores its signal. */
  readonly settled: Promise<void>;
}

/**
 * Calls a collector with an AbortSignal that fires when `budgetMs` (the device's timeout by
 * default) runs out, or at shutdown.
 * A collector that throws synchronously, returns a non-promise or ignores its signal cannot
 * wedge the device: the result still settles on time.
 */
export function callCollector(
  collector: Collector,
  spec: DeviceSpec,
  call: { credentials: Credentials | undefined; scheduledFor: number; logger: Logger },
  clock: Clock,
  shutdownSignal: AbortSignal,
  budgetMs = spec.timeoutMs,
): CollectorCall {
  const ac = new AbortController();
  // The budget is what is left of the device's timeout once the steps before the collector
  // (lease, credentials) took their share; the error still names the device's timeout.
  const timer = clock.setTimeout(
    () => ac.abort(new PollTimeoutError(spec.timeoutMs)),
    Math.max(0, budgetMs),
  );
  const onShutdown = (): void =>
    ac.abort(CollectError.transient(POLLER_STOPPING, 'poll aborted: the poller is stopping'));
  shutdownSignal.addEventListener('abort', onShutdown, { once: true });
  if (shutdownSignal.aborted) onShutdown();
  let pending: Promise<CollectResult>;
  try {
    pending = Promise.resolve(collector.collect(spec, { signal: ac.signal, ...call }));
  } catch (err) {
    pending = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  const settled = pending.then(
    () => undefined,
    () => undefined,
  );
  const result = raceAbort(pending, ac.signal).finally(() => {
    timer.cancel();
    shutdownSignal.removeEventListener('abort', onShutdown);
  });
  return { result, settled };
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toCollectError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(toCollectError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
