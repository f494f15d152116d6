import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED_BREAKER, ConfigError } from '@pollfleet/core';
import {
  breakerAllows,
  breakerOnFailure,
  breakerOnSuccess,
  resolveBreakerOptions,
} from '@pollfleet/core/internal';
import type { BreakerSnapshot } from '@pollfleet/core';

const transient = { code: 'POLL_TIMEOUT', kind: 'transient' as const, message: 'timeout' };
const permanent = { code: 'AUTH_FAILED', kind: 'permanent' as const, message: 'bad password' };
const noJitter = () => 0.5; // 2*0.5-1 = 0: exact backoff
const o = resolveBreakerOptions({ baseBackoffMs: 1000, maxBackoffMs: 8000 }, 1000);

describe('circuit breaker', () => {
  it('stays closed below the threshold and opens at the third consecutive failure', () => {
    let s: BreakerSnapshot = CLOSED_BREAKER;
    s = breakerOnFailure(s, transient, 0, o, noJitter);
    s = breakerOnFailure(s, transient, 0, o, noJitter);
    assert.equal(s.state, 'closed');
    assert.equal(breakerAllows(s, 0).allowed, true);
    s = breakerOnFailure(s, transient, 100, o, noJitter);
    assert.equal(s.state, 'open');
    assert.equal(s.openUntil, 1100);
    assert.equal(breakerAllows(s, 1099).allowed, false);
  });

  it('lets one half-open trial through, doubling the backoff on each failed trial up to the cap', () => {
    let s = breakerOnFailure(
      { ...CLOSED_BREAKER, consecutiveFailures: 2 },
      transient,
      0,
      o,
      noJitter,
    );
    const periods: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      periods.push(s.openUntil - now);
      now = s.openUntil;
      const a = breakerAllows(s, now);
      assert.equal(a.allowed, true);
      assert.equal(a.next.state, 'half-open');
      s = breakerOnFailure(a.next, transient, now, o, noJitter);
    }
    assert.deepEqual(periods, [1000, 2000, 4000, 8000, 8000]);
  });

  it('closes on a successful trial and forgets the backoff', () => {
    const open = breakerOnFailure(
      { ...CLOSED_BREAKER, consecutiveFailures: 2 },
      transient,
      0,
      o,
      noJitter,
    );
    const trial = breakerAllows(open, open.openUntil).next;
    assert.deepEqual(breakerOnSuccess(trial), CLOSED_BREAKER);
  });

  it('parks a permanent failure at the maximum backoff with its reason', () => {
    const s = breakerOnFailure(CLOSED_BREAKER, permanent, 50, o, noJitter);
    assert.equal(s.state, 'open');
    assert.equal(s.parked, true);
    assert.equal(s.openUntil, 50 + 8000);
    assert.equal(s.lastError?.code, 'AUTH_FAILED');
  });

  it('spreads open periods by ±jitter', () => {
    const lo = breakerOnFailure(
      { ...CLOSED_BREAKER, consecutiveFailures: 2 },
      transient,
      0,
      o,
      () => 0,
    );
    const hi = breakerOnFailure(
      { ...CLOSED_BREAKER, consecutiveFailures: 2 },
      transient,
      0,
      o,
      () => 0.999999,
    );
    assert.equal(lo.openUntil, 800);
    assert.equal(hi.openUntil, 1200);
  });

  it('sizes defaults to the interval and names bad fields', () => {
    const d = resolveBreakerOptions({}, 60_000);
    assert.equal(d.baseBackoffMs, 60_000);
    assert.equal(d.maxBackoffMs, 32 * 60_000);
    assert.equal(resolveBreakerOptions({}, 300_000).maxBackoffMs, 3_600_000);
    assert.throws(
      () => resolveBreakerOptions({ failureThreshold: 0 }, 1000),
      (e: unknown) => {
        return e instanceof ConfigError && e.field === 'breaker.failureThreshold';
      },
    );
  });
});
