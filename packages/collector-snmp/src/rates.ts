/** One counter value: a number, or a bigint for a Counter64 above 2^53. */
export type CounterValue = number | bigint;

/** What a row says about its counters' continuity (IF-MIB: ifSpeed/ifHighSpeed, ifCounterDiscontinuityTime). */
export interface RowCounterInfo {
  /** The interface's speed in bit/s (0 or absent: unknown). */
  speedBps?: number;
  /** ifCounterDiscontinuityTime: changes when the row's counters were reset. */
  discontinuity?: number;
}

/** One table's counters of one poll: which columns are Counter64, and row index → column → value. */
export interface TableCounters {
  readonly counter64: Set<string>;
  readonly rows: Map<string, Record<string, CounterValue>>;
  /** Per row, where the table has the columns for it. */
  readonly info?: Map<string, RowCounterInfo>;
}

/** Counters of one poll, per table. */
export type CounterSample = Map<string, TableCounters>;

/** Rates per second: table → row index → column → rate. */
export type Rates = Record<string, Record<string, Record<string, number>>>;

interface Previous {
  /** sysUpTime in hundredths of a second, when the profile has it. */
  readonly uptime: number | undefined;
  /** Wall clock of the sample, ms. */
  readonly at: number;
  readonly counters: CounterSample;
}

const WRAP32 = 2 ** 32;
/** Slack on the speed check: the interval is measured, not exact. */
const SPEED_SLACK = 1.1;

/**
 * Rates per second from the previous sample of the same device, in a bounded LRU. The interval
 * is measured on the agent's sysUpTime when present (immune to poll jitter), else on the clock.
 * When sysUpTime went backwards the agent restarted: no rates at all, rather than a huge one.
 * A Counter32 that went down wrapped, unless that is implausible, in which case its row's
 * counters were reset (cleared on the device) and the row gets no rates: the wrap would imply
 * more than the row's speed (bit/s; `× 8` for octets, so a packet counter is bounded loosely),
 * or a Counter64 of the same row also went down (a 64-bit counter does not wrap in practice:
 * down means reset), or the row's ifCounterDiscontinuityTime changed.
 */
export class RateTracker {
  readonly #previous = new Map<string, Previous>();
  readonly #max: number;

  constructor(maxDevices: number) {
    this.#max = maxDevices;
  }

  update(
    deviceId: string,
    uptime: number | undefined,
    at: number,
    counters: CounterSample,
  ): Rates | undefined {
    const prev = this.#previous.get(deviceId);
    this.#previous.delete(deviceId);
    this.#previous.set(deviceId, { uptime, at, counters });
    if (this.#previous.size > this.#max) {
      const oldest = this.#previous.keys().next().value;
      if (oldest !== undefined) this.#previous.delete(oldest);
    }
    if (!prev) return undefined;
    let seconds: number;
    if (uptime !== undefined && prev.uptime !== undefined) {
      if (uptime < prev.uptime) return undefined; // restarted (or 497-day wrap): no rates
      seconds = (uptime - prev.uptime) / 100;
    } else {
      seconds = (at - prev.at) / 1000;
    }
    if (!(seconds > 0)) return undefined;
    const rates: Rates = {};
    for (const [table, { counter64, rows, info }] of counters) {
      const prevTable = prev.counters.get(table);
      const prevRows = prevTable?.rows;
      if (!prevRows) continue;
      const out: Record<string, Record<string, number>> = {};
      let any = false;
      for (const [index, cols] of rows) {
        const p = prevRows.get(index);
        if (!p) continue;
        const i = info?.get(index);
        const pi = prevTable.info?.get(index);
        if (i?.discontinuity !== undefined && pi?.discontinuity !== undefined) {
          if (i.discontinuity !== pi.discontinuity) continue; // counters reset: no rates
        }
        const r = rowRates(cols, p, counter64, seconds, i?.speedBps);
        if (r) {
          out[index] = r;
          any = true;
        }
      }
      if (any) rates[table] = out;
    }
    return rates;
  }

  forget(deviceId: string): void {
    this.#previous.delete(deviceId);
  }

  get size(): number {
    return this.#previous.size;
  }
}

/** One row's rates, or undefined when it has none or its counters were reset. */
function rowRates(
  cols: Record<string, CounterValue>,
  p: Record<string, CounterValue>,
  counter64: Set<string>,
  seconds: number,
  speedBps: number | undefined,
): Record<string, number> | undefined {
  const r: Record<string, number> = {};
  let rowAny = false;
  for (const name in cols) {
    const cur = cols[name]!;
    const old = p[name];
    if (old === undefined) continue;
    let delta: number;
    if (counter64.has(name)) {
      if (typeof cur === 'number' && typeof old === 'number') {
        if (cur < old) return undefined; // reset: the row's 32-bit counters were too
        delta = cur - old;
      } else {
        const d = BigInt(cur) - BigInt(old);
        if (d < 0n) return undefined;
        delta = Number(d);
      }
    } else {
      const c = Number(cur);
      const o = Number(old);
      if (c >= o) delta = c - o;
      else {
        delta = c + WRAP32 - o;
        if (
          speedBps !== undefined &&
          speedBps > 0 &&
          (delta * 8) / seconds > speedBps * SPEED_SLACK
        ) {
          return undefined; // faster than the link: cleared, not wrapped
        }
      }
    }
    r[name] = delta / seconds;
    rowAny = true;
  }
  return rowAny ? r : undefined;
}
