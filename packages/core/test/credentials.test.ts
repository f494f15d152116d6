import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CollectError } from '@pollfleet/core';
import { Fleet } from './harness.js';

describe('credentials in the engine', () => {
  it('hands the resolved secret to the collector and applies a changed one from the next poll', async () => {
    const fleet = new Fleet();
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
    const pod = fleet.pod('a', { logger });
    const seen: (string | undefined)[] = [];
    fleet.collector.behave('1', (_d, ctx) => {
      seen.push(ctx.credentials?.get('password'));
      ctx.logger.info({ credentials: ctx.credentials }, 'polling with credentials');
      return Promise.reject(
        CollectError.transient('X', `failed; creds are ${String(ctx.credentials)}`),
      );
    });
    fleet.credentials.secrets.set('r1', { password: 'hunter2' });
    fleet.inventory.put({ id: '1', credentialsRef: 'r1' });
    const rec = pod.reconciler();
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    const before = seen.length;
    fleet.credentials.secrets.set('r1', { password: 'correct-horse' });
    // The inventory touches the device when its secret changes (a new revision).
    fleet.inventory.put({ id: '1', credentialsRef: 'r1' });
    await fleet.clock.advanceBy(1500, 10);
    assert.ok(before >= 1 && seen.slice(0, before).every((p) => p === 'hunter2'));
    assert.ok(seen.length > before, 'polled after the change');
    assert.ok(
      seen.slice(before).every((p) => p === 'correct-horse'),
      seen.join(','),
    );
    const published = JSON.stringify(fleet.bus.results);
    assert.doesNotMatch(published + lines.join(''), /hunter2|correct-horse/);
    assert.match(lines.join(''), /\[redacted\]/);
    await rec.stop();
    await pod.stop();
  });

  it('fails a device whose secret is missing permanently, with a reason a person can act on', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    pod.add(fleet.spec('1', { credentialsRef: 'nowhere' }));
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    const [r] = fleet.resultsOf('1');
    assert.equal(r?.ok, false);
    assert.equal(r?.error?.code, 'CREDENTIALS_MISSING');
    assert.equal(r?.error?.kind, 'permanent');
    assert.match(r?.error?.message ?? '', /no credentials are stored under "nowhere"/);
    assert.equal(pod.engine.devices()[0]?.breaker.parked, true);
    assert.equal(fleet.collector.pollsOf('1').length, 0, 'the collector is not called');
    await pod.stop();
  });
});
