import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedStateStore } from '@pollfleet/core';

/** One implementation under test, fresh (empty) for each test. */
export interface SharedStateSubject {
  readonly store: SharedStateStore;
  /** Another pod's view of the same store. */
  readonly otherPod: SharedStateStore;
  /** Lets `ms` of the store's time pass: the fake clock's, or Redis's by sleeping. */
  readonly elapse: (ms: number) => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

const SHORT_TTL = 50;
const PAST_SHORT_TTL = 150;

/**
 * What collectors rely on from a {@link SharedStateStore}: a value set on one pod is read on
 * another, byte for byte; set replaces (and its TTL with it: none means no expiry); an entry
 * with a TTL is gone after it; delete forgets; missing keys read as undefined.
 */
export function sharedStateContract(name: string, create: () => Promise<SharedStateSubject>): void {
  async function withSubject(body: (s: SharedStateSubject) => Promise<void>): Promise<void> {
    const s = await create();
    try {
      await body(s);
    } finally {
      await s.cleanup();
    }
  }

  describe(`SharedStateStore contract: ${name}`, () => {
    it('reads undefined for a key never set', () =>
      withSubject(async ({ store }) => {
        assert.equal(await store.get('never'), undefined);
      }));

    it('reads back on another pod what one set, exactly, the empty string included', () =>
      withSubject(async ({ store, otherPod }) => {
        const values = ['', '{"engineId":"80001f88","boots":3}', 'ü 🚀 \n\t "quoted"'];
        for (const [i, v] of values.entries()) await store.set(`k${i}`, v);
        for (const [i, v] of values.entries()) assert.equal(await otherPod.get(`k${i}`), v);
      }));

    it('replaces on set and forgets on delete; keys are independent', () =>
      withSubject(async ({ store, otherPod }) => {
        await store.set('a', '1');
        await store.set('b', '2');
        await otherPod.set('a', '3');
        assert.equal(await store.get('a'), '3');
        await otherPod.delete('a');
        assert.equal(await store.get('a'), undefined);
        assert.equal(await store.get('b'), '2');
        await store.delete('never'); // deleting nothing is no error
      }));

    it('drops an entry after its TTL, keeps one without, and a set without TTL clears one', () =>
      withSubject(async ({ store, elapse }) => {
        await store.set('short', 'x', SHORT_TTL);
        await store.set('long', 'y', 60_000);
        await store.set('forever', 'z');
        await store.set('cleared', 'w', SHORT_TTL);
        await store.set('cleared', 'w2');
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.get('short'), undefined);
        assert.equal(await store.get('long'), 'y');
        assert.equal(await store.get('forever'), 'z');
        assert.equal(await store.get('cleared'), 'w2');
      }));
  });
}
