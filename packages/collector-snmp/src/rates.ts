/** One counter value: Counter32 as number, Counter64 as bigint. */
export type CounterValue = number | bigint;

/** Counters of one poll: table → row index → column → value. */
export type CounterSample = Map<string, Map<string, Record<string, CounterValue>>>;

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
    for (const [table, rows] of counters) {
      const prevRows = prev.counters.get(table);
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
          if (old === undefined || typeof old !== typeof cur) continue;
          let delta: number;
          if (typeof cur === 'number') {
            const o = old as number;
            delta = cur >= o ? cur - o : cur + WRAP32 - o;
          } else {
            const o = old as bigint;
            if (cur < o) continue; // a 64-bit counter does not wrap in practice: reset
            delta = Number(cur - o);
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
