/** One counter value: a number, or a bigint for a Counter64 above 2^53. */
export type CounterValue = number | bigint;

/** One table's counters of one poll: which columns are Counter64, and row index → column → value. */
export interface TableCounters {
  readonly counter64: Set<string>;
  readonly rows: Map<string, Record<string, CounterValue>>;
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

/**
 * Rates per second from the previous sample of the same device, in a bounded LRU. The interval
 * is measured on the agent's sysUpTime when present (immune to poll jitter), else on the clock.
 * A Counter32 that went down wrapped; a Counter64 that went down was reset (no rate). When
 * sysUpTime went backwards the agent restarted: no rates at all, rather than a huge one.
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
    for (const [table, { counter64, rows }] of counters) {
      const prevRows = prev.counters.get(table)?.rows;
      if (!prevRows) continue;
      const out: Record<string, Record<string, number>> = {};
      let any = false;
      for (const [index, cols] of rows) {
        const p = prevRows.get(index);
        if (!p) continue;
        const r: Record<string, number> = {};
        let rowAny = false;
        for (const name in cols) {
          const cur = cols[name]!;
          const old = p[name];
          if (old === undefined) continue;
          let delta: number;
          if (counter64.has(name)) {
            // A 64-bit counter does not wrap in practice: going down means it was reset.
            if (typeof cur === 'number' && typeof old === 'number') {
              if (cur < old) continue;
              delta = cur - old;
            } else {
              const d = BigInt(cur) - BigInt(old);
              if (d < 0n) continue;
              delta = Number(d);
            }
          } else {
            const c = Number(cur);
            const o = Number(old);
            delta = c >= o ? c - o : c + WRAP32 - o;
          }
          r[name] = delta / seconds;
          rowAny = true;
        }
        if (rowAny) {
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
