import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FenceFilter } from '@pollfleet/core';

const r = (deviceId: string, fence: number, scheduledFor: number) => ({
  deviceId,
  fence,
  scheduledFor,
});

describe('FenceFilter', () => {
  it('discards a result from a lower fence after a higher one', () => {
    const f = new FenceFilter();
    assert.equal(f.check(r('a', 5, 1000)), 'accept');
    assert.equal(f.check(r('a', 6, 2000)), 'accept', 'new owner');
    assert.equal(f.check(r('a', 5, 3000)), 'stale', 'old owner still polling');
    assert.equal(f.check(r('b', 1, 3000)), 'accept', 'devices are independent');
  });

  it('drops duplicates of a device and slot, even from the new owner', () => {
    const f = new FenceFilter();
    assert.equal(f.check(r('a', 5, 1000)), 'accept');
    assert.equal(f.check(r('a', 5, 1000)), 'duplicate');
    assert.equal(f.check(r('a', 6, 1000)), 'duplicate');
    assert.equal(f.check(r('a', 6, 2000)), 'accept');
  });

  it('keeps its memory bounded', () => {
    const f = new FenceFilter({ maxDevices: 3, maxSlotsPerDevice: 2 });
    for (let d = 0; d < 10; d++) f.check(r(`d${d}`, 1, 0));
    assert.equal(f.size, 3);
    assert.equal(f.check(r('d9', 1, 0)), 'duplicate', 'recent device remembered');
    assert.equal(f.check(r('d0', 0, 0)), 'accept', 'forgotten device starts afresh');
    f.check(r('x', 1, 1));
    f.check(r('x', 1, 2));
    f.check(r('x', 1, 3));
    assert.equal(f.check(r('x', 1, 3)), 'duplicate');
    assert.equal(f.check(r('x', 1, 1)), 'accept', 'oldest slot forgotten');
    assert.throws(() => new FenceFilter({ maxDevices: 0 }), { code: 'CONFIG_INVALID' });
  });
});
