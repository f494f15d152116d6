import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CollectError } from '@pollfleet/core';
import { Fleet } from './harness.js';

/** The log lines of `lines` whose msg is `msg`, parsed. */
function logged(lines: string[], msg: string): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg);
}

describe('a device says how it started, once, not once per poll', () => {
  it('logs the first success and the first failure of each device, and nothing per later poll', async () => {
    const fleet = new Fleet();
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const pod = fleet.pod('a', { logger, dispatchGridMs: 0 });
    const I = 1000;
    fleet.collector.behave('bad', () =>
      Promise.reject(CollectError.transient('SCRIPTED_DOWN', 'the device does not answer')),
    );
    pod.add(fleet.spec('good', { intervalMs: I, timeoutMs: 400 }));
    pod.add(fleet.spec('bad', { intervalMs: I, timeoutMs: 400 }));
    pod.engine.start();
    await fleet.clock.advanceBy(5 * I, 10);
    assert.ok(fleet.collector.pollsOf('good').length >= 4, 'the good device was polled each slot');
    const ok = logged(lines, 'first poll succeeded');
    assert.deepEqual(
      ok.map((l) => l['deviceId']),
      ['good'],
    );
    const failed = logged(lines, 'first poll failed');
    assert.deepEqual(
      failed.map((l) => [l['deviceId'], l['code']]),
      [['bad', 'SCRIPTED_DOWN']],
    );
    await pod.stop();
  });
});
