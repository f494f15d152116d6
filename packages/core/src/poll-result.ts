import { RESULT_SCHEMA_VERSION } from './bus.js';
import type { PollResult } from './bus.js';
import type { CollectResult } from './collector.js';
import { CollectError } from './errors.js';

/** What every published result carries, whatever the outcome. */
export type PollResultBase = Omit<PollResult, 'v' | 'ok' | 'partial' | 'data' | 'error'>;

/**
 * The bus message for one poll. An error carries only its code, class and message (collectors
 * keep secrets out of messages); `partial` appears only when the collector's budget ran out.
 */
export function toPollResult(
  base: PollResultBase,
  outcome: CollectResult | CollectError,
): PollResult {
  if (outcome instanceof CollectError) {
    const { code, kind, message } = outcome;
    return { v: RESULT_SCHEMA_VERSION, ...base, ok: false, error: { code, kind, message } };
  }
  return outcome.partial
    ? { v: RESULT_SCHEMA_VERSION, ...base, ok: true, partial: true, data: outcome.data }
    : { v: RESULT_SCHEMA_VERSION, ...base, ok: true, data: outcome.data };
}
