import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials, phaseOf, slotAtOrAfter } from '@pollfleet/core';
import { CredentialCache } from '@pollfleet/core/internal';
import type { CredentialResolver, LeaseStore } from '@pollfleet/core';
import { FakeClock } from '@pollfleet/testing';
import { Fleet } from './harness.js';

/** A credential store that answers, or (after `stall()`) holds every read without answering. */
class StallingResolver implements CredentialResolver {
  reads = 0;
  #stalled = false;
  #delayMs = 0;
  readonly #clock: FakeClock;
  readonly #secret: Record<string, string>;

  constructor(clock: FakeClock, secret: Record<string, string>) {
    this.#clock = clock;
    this.#secret = secret;
  }

  stall(): void {
    this.#stalled = true;
  }

  answerAfter(ms: number): void {
    this.#delayMs = ms;
  }

  resolve(): Promise<Credentials | undefined> {
    this.reads++;
    if (this.#stalled) return new Promise(() => {});
    const creds = new Credentials(this.#secret);
    if (this.#delayMs === 0) return Promise.resolve(creds);
    return new Promise((r) => this.#clock.setTimeout(() => r(creds), this.#delayMs));
  }
}

describe('credentials while the credential store stalls', () => {
  it('serves the stale secret at once while one bounded re-read runs in the background', async () => {
    const clock = new FakeClock();
    const resolver = new StallingResolver(clock, { community: 'c1' });
    const cache = new CredentialCache(resolver, clock, 1000, 500);
    assert.equal((await cache.get('r')).get('community'), 'c1');
    resolver.stall();
    await clock.advance(1500); // stale now
    let answered = false;
    void cache.get('r').then(() => (answered = true));
    await clock.advance(0);
    assert.ok(answered, 'the stale secret is served without waiting for the store');
    await cache.get('r');
    assert.equal(resolver.reads, 2, 'one re-read at a time');
    await clock.advance(600); // the re-read gave up after 500 ms
    await cache.get('r');
    assert.equal(resolver.reads, 3, 'a re-read that timed out is tried again');
  });

  it('bounds the first read of a secret by the read timeout', async () => {
    const clock = new FakeClock();
    const resolver = new StallingResolver(clock, { community: 'c1' });
    resolver.stall();
    const cache = new CredentialCache(resolver, clock, 1000, 500);
    let err: unknown;
    const failure = (): unknown => err;
    void cache.get('r').catch((e: unknown) => (err = e));
    await clock.advance(499);
    assert.equal(failure(), undefined);
    await clock.advance(2);
    const e = failure();
    assert.ok(e instanceof Error, 'the read gave up');
    assert.match(e.message, /did not answer for "r" within 500 ms/);
  });

  // Issue 15 item 1: a poll waited for the credential store outside its timeout and without
  // re-checking the lease; its lease lapsed under it and another pod polled the same device.
  it('counts the credential lookup in the poll timeout', async () => {
    const fleet = new Fleet();
    const resolver = new StallingResolver(fleet.clock, { community: 'c1' });
    resolver.stall();
    const pod = fleet.pod('a', { credentials: resolver, dispatchGridMs: 0 });
    pod.add(fleet.spec('d', { intervalMs: 1000, timeoutMs: 400, credentialsRef: 'r' }));
    pod.engine.start();
    await fleet.clock.advanceBy(3000, 5);
    const results = fleet.resultsOf('d');
    assert.ok(results.length >= 2, `${results.length} results`);
    for (const r of results) {
      assert.equal(r.error?.code, 'CREDENTIALS_TIMEOUT');
      assert.ok(r.startedAt + r.durationMs - r.scheduledFor <= 400, 'within the poll timeout');
    }
    assert.equal(fleet.collector.pollsOf('d').length, 0);
    await pod.stop();
  });

  it('never starts a poll once the lease has less time left than the poll timeout', async () => {
    const fleet = new Fleet();
    // TTL = 1000 + 1000 + 0 = 2 s; the acquire answers 450 ms after it was sent and the first
    // credential read takes 700 ms more: 850 ms of lease left, below the 1000 ms timeout.
    const resolver = new StallingResolver(fleet.clock, { community: 'c1' });
    resolver.answerAfter(700);
    const inner = fleet.leases;
    const later = <T>(fn: () => Promise<T>): Promise<T> =>
      new Promise<void>((r) => fleet.clock.setTimeout(r, 450)).then(fn);
    const leases: LeaseStore = {
      acquire: (id, t, ttl, slot) => later(() => inner.acquire(id, t, ttl, slot)),
      extend: (l, ttl, slot) => inner.extend(l, ttl, slot),
      release: (l) => inner.release(l),
    };
    const pod = fleet.pod('a', {
      credentials: resolver,
      leases,
      leaseMarginMs: 0,
      dispatchGridMs: 0,
      credentialsTtlMs: 60_000,
    });
    const I = 1000;
    pod.add(fleet.spec('d', { intervalMs: I, timeoutMs: I, credentialsRef: 'r' }));
    pod.engine.start();
    const first = slotAtOrAfter(fleet.clock.now(), phaseOf('d', I), I);
    await fleet.clock.advanceBy(first - fleet.clock.now() + 3 * I + 50, 5);
    const slots = fleet.collector.pollsOf('d').map((p) => p.scheduledFor);
    assert.ok(!slots.includes(first), 'the poll started with too little lease left');
    // (first + I fell due while that run was still waiting: an overlap.) The secret is cached
    // now and the lease is extended at each slot: every later slot is polled.
    assert.ok(slots.includes(first + 2 * I) && slots.includes(first + 3 * I), slots.join(','));
    assert.equal(await pod.metric('pollfleet_polls_total', { outcome: 'skipped_lease' }), 1);
    await pod.stop();
  });
});
