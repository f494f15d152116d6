import type { CollectContext, CollectResult, Collector, DeviceSpec, Clock } from '@pollfleet/core';
import { CollectError, systemClock } from '@pollfleet/core';

export type ScriptedBehaviour = (device: DeviceSpec, ctx: CollectContext) => Promise<CollectResult>;

export interface ScriptedPoll {
  readonly deviceId: string;
  readonly scheduledFor: number;
  readonly startedAt: number;
  /** Which engine/pod called (the `tag` given to {@link ScriptedCollector.forPod}). */
  readonly pod: string;
}

/**
 * An in-process test collector. Every call is recorded; per-device behaviour is scriptable
 * (delay, fail transient/permanent, ignore the abort signal). It counts overlapping polls of one
 * device across every pod that shares the instance: the at-most-one-poller check.
 */
export class ScriptedCollector {
  readonly polls: ScriptedPoll[] = [];
  readonly forgotten: string[] = [];
  overlaps = 0;
  /** The collectors' asynchronous row check (`Collector.validate`); none by default. */
  checkRow: ((device: DeviceSpec, signal: AbortSignal) => Promise<void>) | undefined;
  /** Devices passed to {@link checkRow}, in order. */
  readonly checked: string[] = [];
  readonly #inFlight = new Map<string, number>();
  readonly #behaviours = new Map<string, ScriptedBehaviour>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** A Collector view for one pod; all views share the records. */
  forPod(pod: string, type = 'scripted'): Collector<Record<string, unknown>> {
    return {
      type,
      defaultPort: 9,
      parseOptions: (raw, deviceId) => {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          throw new CollectError(
            'permanent',
            'BAD_OPTIONS',
            `device ${deviceId}: options must be an object`,
          );
        }
        if ('invalid' in raw) throw new Error('options.invalid: this row is deliberately unusable');
        return raw as Record<string, unknown>;
      },
      validate: (device, signal) => {
        if (!this.checkRow) return Promise.resolve();
        this.checked.push(device.id);
        return this.checkRow(device, signal);
      },
      collect: (device, ctx) => this.#collect(pod, device, ctx),
      forget: (id) => {
        this.forgotten.push(id);
      },
      close: () => Promise.resolve(),
    };
  }

  behave(deviceId: string, b: ScriptedBehaviour | undefined): void {
    if (b) this.#behaviours.set(deviceId, b);
    else this.#behaviours.delete(deviceId);
  }

  pollsOf(deviceId: string): ScriptedPoll[] {
    return this.polls.filter((p) => p.deviceId === deviceId);
  }

  /** Resolves after `ms` of the collector's clock, or rejects when `signal` aborts. */
  delay(ms: number, signal: AbortSignal, honourAbort = true): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = this.#clock.setTimeout(resolve, ms);
      if (honourAbort) {
        signal.addEventListener(
          'abort',
          () => {
            t.cancel();
            reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          },
          { once: true },
        );
      }
    });
  }

  async #collect(pod: string, device: DeviceSpec, ctx: CollectContext): Promise<CollectResult> {
    const n = (this.#inFlight.get(device.id) ?? 0) + 1;
    this.#inFlight.set(device.id, n);
    if (n > 1) this.overlaps++;
    this.polls.push({
      deviceId: device.id,
      scheduledFor: ctx.scheduledFor,
      startedAt: this.#clock.now(),
      pod,
    });
    try {
      const b = this.#behaviours.get(device.id);
      return b ? await b(device, ctx) : { data: { ok: true } };
    } finally {
      this.#inFlight.set(device.id, (this.#inFlight.get(device.id) ?? 1) - 1);
    }
  }
}

export const failWith =
  (
    kind: 'transient' | 'permanent',
    code = kind === 'transient' ? 'TEST_TIMEOUT' : 'TEST_AUTH',
  ): ScriptedBehaviour =>
  () =>
    Promise.reject(new CollectError(kind, code, `scripted ${kind} failure`));
