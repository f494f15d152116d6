import { RouterOsProtocolError } from './errors.js';

/**
 * The RouterOS API wire format: a sentence is a list of words ended by an empty word; each
 * word is its byte length (1 to 5 bytes, five size classes) followed by the bytes.
 *
 * | first byte   | bytes | lengths                    |
 * |--------------|-------|----------------------------|
 * | `0xxxxxxx`   | 1     | 0 – 0x7F                   |
 * | `10xxxxxx`   | 2     | 0x80 – 0x3FFF              |
 * | `110xxxxx`   | 3     | 0x4000 – 0x1FFFFF          |
 * | `1110xxxx`   | 4     | 0x200000 – 0xFFFFFFF       |
 * | `11110000`   | 5     | 0x10000000 – 0xFFFFFFFF    |
 *
 * First bytes 0xF1–0xFF are reserved (control bytes); a decoder that meets one fails.
 */

export const MAX_WORD_LENGTH = 0xffffffff;

/** Bytes of the length prefix of a word `length` bytes long. */
export function encodeLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_WORD_LENGTH) {
    throw new RangeError(`word length ${length} cannot be encoded`);
  }
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x4000) return Buffer.from([(length >>> 8) | 0x80, length & 0xff]);
  if (length < 0x200000) {
    return Buffer.from([(length >>> 16) | 0xc0, (length >>> 8) & 0xff, length & 0xff]);
  }
  if (length < 0x10000000) {
    return Buffer.from([
      (length >>> 24) | 0xe0,
      (length >>> 16) & 0xff,
      (length >>> 8) & 0xff,
      length & 0xff,
    ]);
  }
  const b = Buffer.alloc(5);
  b[0] = 0xf0;
  b.writeUInt32BE(length, 1);
  return b;
}

/** One word, length-prefixed. */
export function encodeWord(word: string | Uint8Array): Buffer {
  const bytes = typeof word === 'string' ? Buffer.from(word, 'utf8') : Buffer.from(word);
  return Buffer.concat([encodeLength(bytes.length), bytes]);
}

/** A sentence: its words followed by the empty word. */
export function encodeSentence(words: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const w of words) {
    if (w.length === 0) throw new RangeError('a sentence cannot contain an empty word');
    parts.push(encodeWord(w));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export interface DecoderLimits {
  /**
   * Longest word accepted. A longer declared length fails the stream before any byte of the
   * word is buffered, so a hostile 256 MiB length costs nothing.
   * @defaultValue 4 MiB
   */
  maxWordBytes?: number;
  /**
   * Most words in one sentence (one `!re` item has one word per property).
   * @defaultValue 4096
   */
  maxSentenceWords?: number;
  /**
   * Most bytes in one sentence, prefixes included.
   * @defaultValue 16 MiB
   */
  maxSentenceBytes?: number;
}

interface ResolvedDecoderLimits {
  readonly maxWordBytes: number;
  readonly maxSentenceWords: number;
  readonly maxSentenceBytes: number;
}

function resolveDecoderLimits(l: DecoderLimits): ResolvedDecoderLimits {
  return {
    maxWordBytes: l.maxWordBytes ?? 4 * 1024 * 1024,
    maxSentenceWords: l.maxSentenceWords ?? 4096,
    maxSentenceBytes: l.maxSentenceBytes ?? 16 * 1024 * 1024,
  };
}

/**
 * Incremental decoder: feed it chunks as they arrive, get complete sentences back. Holds at
 * most one partial sentence, bounded by {@link DecoderLimits}. After it throws a
 * {@link RouterOsProtocolError} it stays failed (the connection must be dropped: there is no
 * way to find the next sentence boundary in a corrupt stream).
 */
export class SentenceDecoder {
  readonly #limits: ResolvedDecoderLimits;
  /** Length-prefix bytes still expected (0 when reading a body or between words). */
  #prefixNeeded = 0;
  #prefixValue = 0;
  /** Body bytes still expected for the current word; -1 when reading a prefix. */
  #bodyRemaining = -1;
  #bodyParts: Buffer[] = [];
  #words: string[] = [];
  #sentenceBytes = 0;
  #failed: RouterOsProtocolError | undefined;

  constructor(limits: DecoderLimits = {}) {
    this.#limits = resolveDecoderLimits(limits);
  }

  /** True when no partial sentence is buffered. */
  get idle(): boolean {
    return this.#prefixNeeded === 0 && this.#bodyRemaining < 0 && this.#words.length === 0;
  }

  /** Complete sentences found in `chunk` (with whatever was buffered before). */
  push(chunk: Uint8Array): string[][] {
    if (this.#failed) throw this.#failed;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: string[][] = [];
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.#bodyRemaining > 0) {
        const take = Math.min(this.#bodyRemaining, n - i);
        this.#bodyParts.push(buf.subarray(i, i + take));
        this.#bodyRemaining -= take;
        i += take;
        if (this.#bodyRemaining === 0) this.#finishWord();
        continue;
      }
      const b = buf[i++] as number;
      this.#account(1);
      if (this.#prefixNeeded > 0) {
        this.#prefixValue = this.#prefixValue * 256 + b;
        if (--this.#prefixNeeded === 0) this.#startWord(this.#prefixValue, out);
        continue;
      }
      if (b < 0x80) this.#startWord(b, out);
      else if (b < 0xc0) this.#startPrefix(b & 0x3f, 1);
      else if (b < 0xe0) this.#startPrefix(b & 0x1f, 2);
      else if (b < 0xf0) this.#startPrefix(b & 0x0f, 3);
      else if (b === 0xf0) this.#startPrefix(0, 4);
      else this.#fail(`reserved control byte 0x${b.toString(16)} where a word length was expected`);
    }
    return out;
  }

  #startPrefix(value: number, more: number): void {
    this.#prefixValue = value;
    this.#prefixNeeded = more;
  }

  #startWord(length: number, out: string[][]): void {
    if (length === 0) {
      // End of sentence. A stray empty word between sentences carries nothing: skip it.
      if (this.#words.length > 0) out.push(this.#words);
      this.#words = [];
      this.#sentenceBytes = 0;
      return;
    }
    if (length > this.#limits.maxWordBytes) {
      this.#fail(
        `declared word length ${length} exceeds the limit of ${this.#limits.maxWordBytes}`,
      );
    }
    if (this.#words.length >= this.#limits.maxSentenceWords) {
      this.#fail(`sentence has more than ${this.#limits.maxSentenceWords} words`);
    }
    this.#account(length);
    this.#bodyRemaining = length;
  }

  #finishWord(): void {
    const parts = this.#bodyParts;
    const word =
      parts.length === 1
        ? (parts[0] as Buffer).toString('utf8')
        : Buffer.concat(parts).toString('utf8');
    this.#bodyParts = [];
    this.#bodyRemaining = -1;
    this.#words.push(word);
  }

  #account(bytes: number): void {
    this.#sentenceBytes += bytes;
    if (this.#sentenceBytes > this.#limits.maxSentenceBytes) {
      this.#fail(`sentence exceeds ${this.#limits.maxSentenceBytes} bytes`);
    }
  }

  #fail(message: string): never {
    this.#failed = new RouterOsProtocolError(message);
    this.#bodyParts = [];
    this.#words = [];
    throw this.#failed;
  }
}

/** A reply sentence, parsed. */
export interface ReplySentence {
  /** `!re`, `!done`, `!trap`, `!fatal`, `!empty` (or anything else a router invents). */
  readonly type: string;
  readonly tag: string | undefined;
  /** `=name=value` words. A null-prototype object, so any name is safe as a key. */
  readonly attributes: Record<string, string>;
  /** Words that are neither attributes nor API attributes (the reason of a `!fatal`). */
  readonly message: string | undefined;
}

export function parseReply(words: readonly string[]): ReplySentence {
  const type = words[0] ?? '';
  const attributes = Object.create(null) as Record<string, string>;
  let tag: string | undefined;
  let message: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w.charCodeAt(0) === 61 /* = */) {
      const eq = w.indexOf('=', 1);
      if (eq < 0) attributes[w.slice(1)] = '';
      else attributes[w.slice(1, eq)] = w.slice(eq + 1);
    } else if (w.startsWith('.tag=')) {
      tag = w.slice(5);
    } else if (w.charCodeAt(0) !== 46 /* . */) {
      message = message === undefined ? w : `${message} ${w}`;
    }
  }
  return { type, tag, attributes, message };
}
