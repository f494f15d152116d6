import type { InterfaceCounters } from './normalise.js';

/** Rates derived from two samples; null on the first sample, after a counter reset or reboot. */
export interface InterfaceRates {
  readonly rxBitsPerSecond: number | null;
  readonly txBitsPerSecond: number | null;
  readonly rxPacketsPerSecond: number | null;
  readonly txPacketsPerSecond: number | null;
}

export type InterfaceSample = InterfaceCounters & InterfaceRates;

/**
 * How much less than the time between two polls the router's uptime may grow before the
 * router counts as rebooted in between: the uptime's one-second resolution (RouterOS 6), the
 * few ms between the `/system/resource` and `/interface` replies, and clock drift, with room
 * to spare. No router reboots in less, so every reboot between two polls is caught.
 */
export const REBOOT_UPTIME_MARGIN_MS = 5000;

interface PreviousCounters {
  readonly rxBytes: number | null;
  readonly txBytes: number | null;
  readonly rxPackets: number | null;
  readonly txPackets: number | null;
}

interface PreviousSample {
  readonly at: number;
  /** Router uptime at that sample, seconds; null when the router did not say. */
  readonly uptimeSeconds: number | null;
  readonly interfaces: Map<string, PreviousCounters>;
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

const NO_RATES: InterfaceRates = {
  rxBitsPerSecond: null,
  txBitsPerSecond: null,
  rxPacketsPerSecond: null,
  txPacketsPerSecond: null,
};

/**
 * True when the router restarted between two samples: its uptime went back, or grew by less
 * than the time between the samples minus {@link REBOOT_UPTIME_MARGIN_MS}. Counters that
 * restarted from zero may have grown past the old reading, so a counter decrease alone does
 * not show every reboot.
 */
function rebootedBetween(prev: PreviousSample, at: number, uptimeSeconds: number | null): boolean {
  if (prev.uptimeSeconds === null || uptimeSeconds === null) return false;
  const grewMs = (uptimeSeconds - prev.uptimeSeconds) * 1000;
  return grewMs < 0 || grewMs < at - prev.at - REBOOT_UPTIME_MARGIN_MS;
}

/**
 * Previous interface counters per device, keyed by interface id (or name), so each poll can
 * report rates. Holds only the interfaces of the last sample of each device; {@link forget}
 * drops a device.
 */
export class InterfaceRateTracker {
  readonly #previous = new Map<string, PreviousSample>();

  /**
   * Adds rates to `counters` sampled at `at` (epoch ms) and remembers them for next time.
   * `uptimeSeconds` (the router's, null when unknown) detects reboots between samples.
   */
  sample(
    deviceId: string,
    at: number,
    counters: readonly InterfaceCounters[],
    uptimeSeconds: number | null = null,
  ): InterfaceSample[] {
    const before = this.#previous.get(deviceId);
    const seconds = before ? (at - before.at) / 1000 : 0;
    const comparable =
      before !== undefined && seconds > 0 && !rebootedBetween(before, at, uptimeSeconds);
    const next = new Map<string, PreviousCounters>();
    const out = counters.map((c) => {
      const key = c.id ?? c.name;
      const p = comparable ? before.interfaces.get(key) : undefined;
      next.set(key, {
        rxBytes: c.rxBytes,
        txBytes: c.txBytes,
        rxPackets: c.rxPackets,
        txPackets: c.txPackets,
      });
      if (!p) return { ...c, ...NO_RATES };
      return {
        ...c,
        rxBitsPerSecond: rate(c.rxBytes, p.rxBytes, seconds, 8),
        txBitsPerSecond: rate(c.txBytes, p.txBytes, seconds, 8),
        rxPacketsPerSecond: rate(c.rxPackets, p.rxPackets, seconds, 1),
        txPacketsPerSecond: rate(c.txPackets, p.txPackets, seconds, 1),
      };
    });
    this.#previous.set(deviceId, { at, uptimeSeconds, interfaces: next });
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
