import type { InterfaceCounters } from './normalise.js';

/** Rates derived from two samples; null on the first sample, after a counter reset or reboot. */
export interface InterfaceRates {
  readonly rxBitsPerSecond: number | null;
  readonly txBitsPerSecond: number | null;
  readonly rxPacketsPerSecond: number | null;
  readonly txPacketsPerSecond: number | null;
}

export type InterfaceSample = InterfaceCounters & InterfaceRates;

interface Previous {
  readonly at: number;
  readonly rxBytes: number | null;
  readonly txBytes: number | null;
  readonly rxPackets: number | null;
  readonly txPackets: number | null;
}

function rate(
  now: number | null,
  prev: number | null,
  seconds: number,
  scale: number,
): number | null {
  if (now === null || prev === null || now < prev) return null; // counter reset (reboot, reset-counters)
  return ((now - prev) * scale) / seconds;
}

/**
 * Previous interface counters per device, keyed by interface id (or name), so each poll can
 * report rates. Holds only the interfaces of the last sample of each device; {@link forget}
 * drops a device.
 */
export class InterfaceRateTracker {
  readonly #previous = new Map<string, Map<string, Previous>>();

  /** Adds rates to `counters` sampled at `at` (epoch ms) and remembers them for next time. */
  sample(deviceId: string, at: number, counters: readonly InterfaceCounters[]): InterfaceSample[] {
    const before = this.#previous.get(deviceId);
    const next = new Map<string, Previous>();
    const out = counters.map((c) => {
      const key = c.id ?? c.name;
      const p = before?.get(key);
      next.set(key, {
        at,
        rxBytes: c.rxBytes,
        txBytes: c.txBytes,
        rxPackets: c.rxPackets,
        txPackets: c.txPackets,
      });
      const seconds = p ? (at - p.at) / 1000 : 0;
      if (!p || !(seconds > 0)) {
        return {
          ...c,
          rxBitsPerSecond: null,
          txBitsPerSecond: null,
          rxPacketsPerSecond: null,
          txPacketsPerSecond: null,
        };
      }
      return {
        ...c,
        rxBitsPerSecond: rate(c.rxBytes, p.rxBytes, seconds, 8),
        txBitsPerSecond: rate(c.txBytes, p.txBytes, seconds, 8),
        rxPacketsPerSecond: rate(c.rxPackets, p.rxPackets, seconds, 1),
        txPacketsPerSecond: rate(c.txPackets, p.txPackets, seconds, 1),
      };
    });
    this.#previous.set(deviceId, next);
    return out;
  }

  forget(deviceId: string): void {
    this.#previous.delete(deviceId);
  }

  clear(): void {
    this.#previous.clear();
  }

  get size(): number {
    return this.#previous.size;
  }
}
