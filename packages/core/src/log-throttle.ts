import type { Logger } from 'pino';
import type { Clock } from './clock.js';

/**
 * Logs the first occurrence of a fleet-wide condition (Redis down: every device's lease check
 * fails at once), then at most one line per `periodMs` with how many were suppressed, so an
 * outage costs a few log lines instead of one per device per interval.
 */
export class LogThrottle {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #state = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(logger: Logger, clock: Clock, periodMs = 10_000) {
    this.#logger = logger;
    this.#clock = clock;
    this.#periodMs = periodMs;
  }

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.#clock.now();
    const s = this.#state.get(key);
    if (s && now - s.lastAt < this.#periodMs) {
      s.suppressed++;
      return;
    }
    const suppressed = s?.suppressed ?? 0;
    this.#state.set(key, { lastAt: now, suppressed: 0 });
    this.#logger.warn(suppressed > 0 ? { ...fields, similarSinceLast: suppressed } : fields, msg);
  }
}
