import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceConfigError } from '@pollfleet/core';
import type { DeviceSpec } from '@pollfleet/core';
import { Fleet } from './harness.js';

// A collector's asynchronous row check (Collector.validate), e.g. "does the SNMP profile this
// row names exist?". A bad row is reported like any invalid row; a check that cannot answer
// (its source is down) never makes a row invalid.

/** Rows name a "profile" in their options; the check knows the profiles in `known`. */
function profileCheck(known: Set<string>) {
  return (d: DeviceSpec): Promise<void> => {
    const p = (d.options as { profile?: string }).profile;
    if (p === undefined || known.has(p)) return Promise.resolve();
    return Promise.reject(
      new DeviceConfigError(
        d.id,
        'options.profile',
        `no profile "${p}"; create it or fix the name`,
      ),
    );
  };
}

describe('reconciler: the collector checks rows asynchronously', () => {
  it('reports a row naming a missing profile as invalid, and polls it once the profile exists', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    const known = new Set<string>();
    fleet.collector.checkRow = profileCheck(known);
    fleet.inventory.put({ id: 'good' });
    fleet.inventory.put({ id: 'bad', options: { profile: 'later' } });
    const rec = pod.reconciler({ refreshMs: 1000 });
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    assert.deepEqual(pod.engine.deviceIds(), ['good']);
    assert.equal(fleet.collector.pollsOf('bad').length, 0);
    assert.deepEqual(rec.invalidDevices(), [
      {
        deviceId: 'bad',
        name: 'device-bad',
        field: 'options.profile',
        reason: 'device bad: options.profile: no profile "later"; create it or fix the name',
      },
    ]);
    assert.equal(await pod.metric('pollfleet_devices_invalid'), 1);

    // The row does not change: the next full sync checks it again and finds the profile.
    known.add('later');
    await fleet.clock.advanceBy(1500, 10);
    assert.deepEqual(pod.engine.deviceIds().sort(), ['bad', 'good']);
    assert.ok(fleet.collector.pollsOf('bad').length >= 1);
    assert.deepEqual(rec.invalidDevices(), []);
    assert.equal(await pod.metric('pollfleet_devices_invalid'), 0);
    // A valid, unchanged row is checked once, not at every sync.
    assert.equal(fleet.collector.checked.filter((id) => id === 'good').length, 1);
    await rec.stop();
    await pod.stop();
  });

  it('a check whose source is down accepts the rows (checked once per sync), never invalid', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    fleet.collector.checkRow = () => Promise.reject(new Error('profile source unreachable'));
    for (const id of ['1', '2', '3']) fleet.inventory.put({ id, options: { profile: 'x' } });
    const rec = pod.reconciler();
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    assert.deepEqual(pod.engine.deviceIds().sort(), ['1', '2', '3']);
    assert.deepEqual(rec.invalidDevices(), []);
    assert.equal(fleet.collector.checked.length, 1, 'the outage cost one check, not one per row');
    assert.ok(fleet.collector.pollsOf('3').length >= 1);
    await rec.stop();
    await pod.stop();
  });

  it('a check that never answers accepts the row after validateTimeoutMs; stop() does not wait for one', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    const signals: AbortSignal[] = [];
    fleet.collector.checkRow = (_d, signal) => {
      signals.push(signal);
      return new Promise<void>(() => {});
    };
    fleet.inventory.put({ id: '1' });
    const rec = pod.reconciler({ validateTimeoutMs: 2000 });
    let started = false;
    const starting = rec.start().then(() => (started = true));
    await fleet.clock.advanceBy(1900, 10);
    assert.equal(started, false, 'the first sync waits for the check');
    await fleet.clock.advanceBy(200, 10);
    await starting;
    assert.ok(pod.engine.has('1'));
    assert.equal(signals[0]?.aborted, true, 'the check was told to give up');

    fleet.inventory.put({ id: '2' });
    await fleet.clock.advanceBy(100, 10);
    assert.equal(pod.engine.has('2'), false, 'still checking');
    await rec.stop(); // no clock movement: the stop itself ends the check
    await pod.stop();
  });
});
