import { pino } from 'pino';
import type { Logger } from 'pino';

/** A silent logger for tests; pass `level` to see output while debugging one. */
export function testLogger(level: pino.LevelWithSilent = 'silent'): Logger {
  return pino({ level });
}
