import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet } from './harness.js';

describe('published results', () => {
  // Issue 15 item 17: the inventory README promised labels on results; none were there.
  it("carry the device's labels, on success and on failure, and a changed label from the next poll", async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    pod.add(fleet.spec('ok', { labels: { site: 'ams-1', role: 'edge' } }));
    pod.add(fleet.spec('bad', { labels: { site: 'fra-2' } }));
    fleet.collector.behave('bad', () => Promise.reject(new Error('boom')));
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    assert.deepEqual(fleet.resultsOf('ok')[0]?.labels, { site: 'ams-1', role: 'edge' });
    const failed = fleet.resultsOf('bad')[0];
    assert.equal(failed?.ok, false);
    assert.deepEqual(failed?.labels, { site: 'fra-2' });
    pod.add(fleet.spec('ok', { labels: { site: 'ams-2' }, revision: 2 }));
    await fleet.clock.advanceBy(1000, 10);
    assert.deepEqual(fleet.resultsOf('ok').at(-1)?.labels, { site: 'ams-2' });
    await pod.stop();
  });
});
