import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RouterOsProtocolError,
  SentenceDecoder,
  encodeLength,
  encodeSentence,
  encodeWord,
  parseReply,
} from '@pollfleet/collector-routeros';

describe('RouterOS API codec', () => {
  it('encodes each of the five length classes at both edges', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [0x7f, [0x7f]],
      [0x80, [0x80, 0x80]],
      [0x3fff, [0xbf, 0xff]],
      [0x4000, [0xc0, 0x40, 0x00]],
      [0x1fffff, [0xdf, 0xff, 0xff]],
      [0x200000, [0xe0, 0x20, 0x00, 0x00]],
      [0xfffffff, [0xef, 0xff, 0xff, 0xff]],
      [0x10000000, [0xf0, 0x10, 0x00, 0x00, 0x00]],
      [0xffffffff, [0xf0, 0xff, 0xff, 0xff, 0xff]],
    ];
    for (const [len, bytes] of cases) {
      assert.deepEqual([...encodeLength(len)], bytes, `length ${len}`);
    }
    assert.throws(() => encodeLength(-1), RangeError);
    assert.throws(() => encodeLength(2 ** 32), RangeError);
  });

  it('round-trips words of every class that fits in memory, split at every byte', () => {
    const words = ['a', 'x'.repeat(0x7f), 'y'.repeat(0x80), 'z'.repeat(0x3fff), 'w'.repeat(0x4000)];
    const stream = encodeSentence(['!re', ...words.map((w) => `=k=${w}`)]);
    // Whole, then byte by byte: the decoder must not care where chunks end.
    const whole = new SentenceDecoder().push(stream);
    assert.equal(whole.length, 1);
    assert.deepEqual(whole[0], ['!re', ...words.map((w) => `=k=${w}`)]);
    const d = new SentenceDecoder();
    const got: string[][] = [];
    for (let i = 0; i < stream.length; i++) got.push(...d.push(stream.subarray(i, i + 1)));
    assert.deepEqual(got, whole);
    assert.equal(d.idle, true);
  });

  it('decodes a 3 MiB word (4-byte length class) delivered in 64 KiB chunks', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const stream = Buffer.concat([encodeWord(big), Buffer.from([0])]);
    assert.equal(stream[0], 0xe0);
    const d = new SentenceDecoder();
    const got: string[][] = [];
    for (let i = 0; i < stream.length; i += 65536)
      got.push(...d.push(stream.subarray(i, i + 65536)));
    assert.equal(got.length, 1);
    assert.equal(got[0]?.[0]?.length, big.length);
  });

  it('refuses a declared 256 MiB word without allocating it', () => {
    const before = process.memoryUsage().arrayBuffers;
    const d = new SentenceDecoder();
    const header = encodeLength(256 * 1024 * 1024);
    assert.equal(header.length, 5);
    assert.throws(() => d.push(header), RouterOsProtocolError);
    // Stays failed: the stream has no recoverable boundary.
    assert.throws(() => d.push(Buffer.from([1, 0x41, 0])), RouterOsProtocolError);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  it('with a larger limit, holds only the bytes received so far of a huge declared word', () => {
    const d = new SentenceDecoder({ maxWordBytes: 0xffffffff, maxSentenceBytes: 0xffffffff + 10 });
    const before = process.memoryUsage().arrayBuffers;
    assert.deepEqual(d.push(Buffer.concat([encodeLength(0xffffffff), Buffer.alloc(10)])), []);
    assert.equal(d.idle, false);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  });

  it('rejects reserved control bytes and over-long sentences', () => {
    for (const b of [0xf1, 0xf8, 0xff]) {
      assert.throws(() => new SentenceDecoder().push(Buffer.from([b])), RouterOsProtocolError);
    }
    const many = encodeSentence(Array.from({ length: 20 }, (_, i) => `=k${i}=v`));
    assert.throws(
      () => new SentenceDecoder({ maxSentenceWords: 10 }).push(many),
      /more than 10 words/,
    );
    assert.throws(
      () => new SentenceDecoder({ maxSentenceBytes: 50 }).push(many),
      RouterOsProtocolError,
    );
  });

  it('parses attributes, tags and the reason of a !fatal', () => {
    const r = parseReply([
      '!re',
      '=name=ether1',
      '=comment=a=b',
      '=empty=',
      '.tag=7',
      '=__proto__=x',
    ]);
    assert.equal(r.type, '!re');
    assert.equal(r.tag, '7');
    assert.equal(r.attributes['name'], 'ether1');
    assert.equal(r.attributes['comment'], 'a=b');
    assert.equal(r.attributes['empty'], '');
    assert.equal(r.attributes['__proto__'], 'x');
    const f = parseReply(['!fatal', 'session terminated on request']);
    assert.equal(f.message, 'session terminated on request');
    assert.equal(parseReply([]).type, '');
  });

  it('skips stray empty words between sentences', () => {
    const d = new SentenceDecoder();
    const s = Buffer.concat([Buffer.from([0, 0]), encodeSentence(['!done']), Buffer.from([0])]);
    assert.deepEqual(d.push(s), [['!done']]);
  });
});
