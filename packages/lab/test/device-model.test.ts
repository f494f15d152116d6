import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { counter32, DOWN_AFTER_S, SnmpDeviceModel } from '@pollfleet/lab';

const BOOT = Date.UTC(2026, 0, 1);
const spec = {
  seed: 42,
  sysName: 'm',
  interfaces: 50,
  cpus: 4,
  bootedAt: BOOT,
  sysDescr: 'd',
  sysContact: 'c',
  sysLocation: 'l',
};

describe('SnmpDeviceModel', () => {
  const model = new SnmpDeviceModel(spec);

  it('is a function of (time, seed): two models with the same spec agree, another seed differs', () => {
    const t = BOOT + 86400000 * 3 + 1234;
    const again = new SnmpDeviceModel(spec).at(t);
    const other = new SnmpDeviceModel({ ...spec, seed: 43 }).at(t);
    const v = model.at(t);
    assert.deepEqual(v.interface(7), again.interface(7));
    assert.equal(v.cpuLoad(2), again.cpuLoad(2));
    assert.notDeepEqual(v.interface(7), other.interface(7));
  });

  it('counters of up interfaces grow between any two instants 1 ms apart; down ones stay put', () => {
    let upSeen = 0;
    let downSeen = 0;
    for (let i = 1; i <= 50; i++) {
      const up = model.interfaceShape(i).ifOperStatus === 1;
      for (const t of [BOOT + 5000, BOOT + 86400000, BOOT + 86400000 * 200]) {
        const a = model.at(t).interface(i);
        const b = model.at(t + 1).interface(i);
        if (up) {
          assert.ok(
            b.hcInOctets > a.hcInOctets && b.hcOutOctets > a.hcOutOctets,
            `ifIndex ${i} at ${t}`,
          );
          assert.ok(b.hcInUcastPkts >= a.hcInUcastPkts && b.inErrors >= a.inErrors);
        } else if (t - BOOT > DOWN_AFTER_S * 1000) assert.deepEqual(b, a);
      }
      if (up) upSeen++;
      else downSeen++;
    }
    assert.ok(upSeen > 0 && downSeen > 0, 'the 50-port model has both up and down ports');
    assert.equal(model.interfaceShape(1).ifOperStatus, 1, 'the uplink is always up');
  });

  it('the rate swings around its base but the counter is its exact integral', () => {
    const shape = model.interfaceShape(1);
    const t = BOOT + 86400000;
    const rate =
      (model.at(t + 10000).interface(1).hcInOctets - model.at(t).interface(1).hcInOctets) / 10;
    assert.ok(rate >= shape.inBytesPerSecond * 0.5 - 1 && rate <= shape.inBytesPerSecond * 1.5 + 1);
  });

  it('Counter32 columns are the 64-bit counts modulo 2^32', () => {
    assert.equal(counter32(2 ** 32 + 5), 5);
    assert.equal(counter32(7), 7);
  });

  it('CPU load stays within 0..100 and moves over minutes; sysUpTime counts hundredths', () => {
    const loads = new Set<number>();
    for (let s = 0; s < 3600; s += 30) {
      const l = model.at(BOOT + 86400000 + s * 1000).cpuLoad(0);
      assert.ok(l >= 0 && l <= 100);
      loads.add(l);
    }
    assert.ok(loads.size > 10, `load took only ${loads.size} values in an hour`);
    assert.equal(model.at(BOOT + 12345).sysUpTime, 1234);
    assert.equal(model.at(BOOT - 5000).sysUpTime, 0, 'never negative before boot');
    const la = Number(model.at(BOOT + 1e6).loadAverage(0));
    assert.ok(la >= 0 && la <= 4);
  });

  it('refuses an ifIndex it does not have', () => {
    assert.throws(() => model.interfaceShape(51), /outside 1\.\.50/);
  });
});
