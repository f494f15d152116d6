import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Fleet } from './harness.js';

describe('reconciler', () => {
  it('starts polling inserted rows and stops deleted or disabled ones, releasing their leases', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    fleet.inventory.put({ id: '1' });
    const rec = pod.reconciler();
    await rec.start();
    pod.engine.start();
    assert.deepEqual(pod.engine.deviceIds(), ['1']);
    fleet.inventory.put({ id: '2' });
    await fleet.clock.advanceBy(2000, 10);
    assert.deepEqual(pod.engine.deviceIds().sort(), ['1', '2']);
    assert.ok(fleet.collector.pollsOf('2').length >= 1);
    fleet.inventory.put({ id: '1', enabled: false });
    fleet.inventory.delete('2');
    await fleet.clock.advanceBy(10, 10);
    assert.deepEqual(pod.engine.deviceIds(), []);
    assert.equal(fleet.leases.holder('1'), undefined);
    assert.equal(fleet.leases.holder('2'), undefined);
    await rec.stop();
    await pod.stop();
  });

  it('reports a bad row with its reason and keeps polling the others', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    fleet.inventory.put({ id: 'good' });
    fleet.inventory.put({ id: 'type', collectorType: 'telnet' });
    fleet.inventory.put({ id: 'port', port: 70_000 });
    fleet.inventory.put({ id: 'host', host: 'not a host!' });
    fleet.inventory.put({ id: 'fast', intervalMs: 50, timeoutMs: 10 });
    fleet.inventory.put({ id: 'opts', options: { invalid: true } });
    const rec = pod.reconciler({ minIntervalMs: 100 });
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(3000, 10);
    assert.deepEqual(pod.engine.deviceIds(), ['good']);
    assert.ok(fleet.collector.pollsOf('good').length >= 2);
    const invalid = new Map(rec.invalidDevices().map((d) => [d.deviceId, d]));
    assert.equal(invalid.get('type')?.field, 'collector_type');
    assert.match(
      invalid.get('type')?.reason ?? '',
      /unknown collector type "telnet"; known types: scripted/,
    );
    assert.equal(invalid.get('port')?.field, 'port');
    assert.equal(invalid.get('host')?.field, 'host');
    assert.equal(invalid.get('fast')?.field, 'interval_ms');
    assert.equal(invalid.get('opts')?.field, 'options');
    assert.equal(await pod.metric('pollfleet_devices_invalid'), 5);
    // Fixing the row makes it poll.
    fleet.inventory.put({ id: 'port', port: 1161 });
    await fleet.clock.advanceBy(2000, 10);
    assert.ok(pod.engine.has('port'));
    assert.equal(rec.invalidDevices().length, 4);
    await rec.stop();
    await pod.stop();
  });

  it('keeps polling the last known devices while the inventory is down, and catches up', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    fleet.inventory.put({ id: '1' });
    fleet.inventory.put({ id: '2' });
    const rec = pod.reconciler({ refreshMs: 1000 });
    await rec.start();
    pod.engine.start();
    fleet.inventory.failing = true;
    fleet.inventory.put({ id: '3' }); // notification arrives, but reads fail
    fleet.inventory.delete('2');
    await fleet.clock.advanceBy(5000, 10);
    assert.equal(rec.degraded, true);
    assert.equal(await pod.metric('pollfleet_inventory_degraded'), 1);
    assert.deepEqual(pod.engine.deviceIds().sort(), ['1', '2'], 'nothing dropped while degraded');
    const polled = fleet.collector.pollsOf('1').length;
    assert.ok(polled >= 4, 'still polling');
    fleet.inventory.failing = false;
    await fleet.clock.advanceBy(35_000, 50);
    assert.equal(rec.degraded, false);
    assert.deepEqual(pod.engine.deviceIds().sort(), ['1', '3']);
    await rec.stop();
    await pod.stop();
  });

  it('applies a changed row from the next poll without restarting the device', async () => {
    const fleet = new Fleet();
    const pod = fleet.pod('a');
    fleet.inventory.put({ id: '1', host: '127.0.0.1' });
    const rec = pod.reconciler();
    await rec.start();
    pod.engine.start();
    await fleet.clock.advanceBy(1500, 10);
    fleet.inventory.put({ id: '1', host: '127.0.0.2' });
    await fleet.clock.advanceBy(1500, 10);
    assert.equal(pod.engine.devices()[0]?.host, '127.0.0.2');
    assert.equal(
      new Set(fleet.resultsOf('1').map((r) => r.fence)).size,
      1,
      'same lease throughout',
    );
    await rec.stop();
    await pod.stop();
  });
});
