import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouterOsProtocolError, SentenceDecoder } from '@pollfleet/collector-routeros';
import { fuzzStreams } from '@pollfleet/testing/routeros-simulator';

/** Feeds one stream; returns the sentences, or the protocol error that ended it. */
function decode(chunks: readonly Buffer[]): string[][] | RouterOsProtocolError {
  const d = new SentenceDecoder({ maxWordBytes: 1024 * 1024 });
  const out: string[][] = [];
  try {
    for (const c of chunks) out.push(...d.push(c));
  } catch (err) {
    if (err instanceof RouterOsProtocolError) return err;
    throw err; // anything else is a decoder bug: fail the test with it
  }
  return out;
}

describe('decoder fuzz', () => {
  it('survives a million generated and mutated streams (seed 5) with bounded memory', () => {
    const count = 1_000_000;
    const heapBefore = process.memoryUsage().heapUsed;
    let valid = 0;
    let rejected = 0;
    let peak = 0;
    let i = 0;
    for (const s of fuzzStreams(5, count)) {
      const got = decode(s.chunks);
      if (got instanceof RouterOsProtocolError) rejected++;
      if (s.expected) {
        valid++;
        assert.deepEqual(got, s.expected, `stream ${i} of seed 5 decoded wrongly`);
      }
      if ((++i & 0xffff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
    }
    assert.equal(i, count);
    assert.ok(valid > count / 5, 'the generator yields valid streams');
    assert.ok(rejected > count / 20, 'the generator yields invalid streams');
    // No stream may make the decoder hold more than its limits; nothing accumulates across streams.
    assert.ok(peak < 256 * 1024 * 1024, `heap grew by ${peak} bytes`);
  });
});
