import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PollResult, ResultsBus } from '@pollfleet/core';

/** One implementation under test, fresh (empty) for each test. */
export interface ResultsBusSubject {
  readonly bus: ResultsBus;
  /** Everything a consumer reads from the bus so far, oldest first, decoded. */
  readonly readAll: () => Promise<PollResult[]>;
  readonly cleanup: () => Promise<void>;
}

function result(i: number, over: Partial<PollResult> = {}): PollResult {
  return {
    v: 1,
    deviceId: `${i % 3}`,
    deviceName: `router ${i % 3}`,
    collectorType: 'snmp',
    podId: 'pod-a',
    fence: 1_764_031_234_567_891 + i,
    scheduledFor: 1_764_031_260_000 + i * 1000,
    startedAt: 1_764_031_260_002 + i * 1000,
    durationMs: 38,
    ok: true,
    data: { ifInOctets: i, name: 'ü 🚀', nested: [{ up: true }, null] },
    ...over,
  };
}

/**
 * What consumers rely on from a {@link ResultsBus}: every published result reaches a reader,
 * in publish order, as the JSON it was published as (successes, partial results and failures
 * alike); a result that cannot be encoded is refused at publish, not lost later; a closed bus
 * refuses to publish.
 */
export function resultsBusContract(name: string, create: () => Promise<ResultsBusSubject>): void {
  async function withSubject(body: (s: ResultsBusSubject) => Promise<void>): Promise<void> {
    const s = await create();
    try {
      await body(s);
    } finally {
      await s.cleanup();
    }
  }

  describe(`ResultsBus contract: ${name}`, () => {
    it('delivers every result to a reader, in publish order, as published', () =>
      withSubject(async ({ bus, readAll }) => {
        const sent = [
          result(0),
          result(1, { partial: true }),
          result(2, {
            ok: false,
            data: undefined,
            error: { code: 'SNMP_TIMEOUT', kind: 'transient', message: 'no answer' },
          }),
          ...Array.from({ length: 20 }, (_, i) => result(i + 3)),
        ];
        for (const r of sent) await bus.publish(r);
        // What a reader sees is the JSON encoding: an undefined field is absent.
        assert.deepEqual(await readAll(), JSON.parse(JSON.stringify(sent)));
      }));

    it('refuses a result that cannot be encoded, and keeps publishing the others', () =>
      withSubject(async ({ bus, readAll }) => {
        await assert.rejects(bus.publish(result(0, { data: { counter: 1n } })));
        await bus.publish(result(1));
        assert.deepEqual(
          (await readAll()).map((r) => r.scheduledFor),
          [result(1).scheduledFor],
        );
      }));

    it('refuses to publish once closed', () =>
      withSubject(async ({ bus, readAll }) => {
        await bus.publish(result(0));
        await bus.close();
        await assert.rejects(bus.publish(result(1)));
        assert.equal((await readAll()).length, 1);
      }));
  });
}
