/**
 * The simulator's own RouterOS API word codec, written independently of the collector's so a
 * test does not check the collector's codec against itself. Simple, not fast.
 */

export function lengthPrefix(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x80 | (n >> 8), n & 0xff]);
  if (n < 0x200000) return Buffer.from([0xc0 | (n >> 16), (n >> 8) & 0xff, n & 0xff]);
  if (n < 0x10000000) {
    return Buffer.from([0xe0 | (n >>> 24), (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  }
  return Buffer.from([0xf0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

export function sentence(words: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const w of words) {
    const b = Buffer.from(w, 'utf8');
    parts.push(lengthPrefix(b.length), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Reads client sentences; a client that sends garbage gets its connection closed. */
export class SentenceReader {
  #pending: Buffer = Buffer.alloc(0);
  #words: string[] = [];

  /** Complete sentences, or 'bad' when the stream is not valid API. */
  push(chunk: Buffer): string[][] | 'bad' {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const out: string[][] = [];
    for (;;) {
      const p = this.#pending;
      if (p.length === 0) return out;
      const b0 = p[0] as number;
      let hdr: number;
      let len: number;
      if (b0 < 0x80) [hdr, len] = [1, b0];
      else if (b0 < 0xc0) [hdr, len] = [2, b0 & 0x3f];
      else if (b0 < 0xe0) [hdr, len] = [3, b0 & 0x1f];
      else if (b0 < 0xf0) [hdr, len] = [4, b0 & 0x0f];
      else if (b0 === 0xf0) [hdr, len] = [5, 0];
      else return 'bad';
      if (p.length < hdr) return out;
      for (let i = 1; i < hdr; i++) len = len * 256 + (p[i] as number);
      if (len > 1024 * 1024) return 'bad';
      if (p.length < hdr + len) return out;
      const word = p.subarray(hdr, hdr + len).toString('utf8');
      this.#pending = p.subarray(hdr + len);
      if (len === 0) {
        if (this.#words.length) out.push(this.#words);
        this.#words = [];
      } else {
        this.#words.push(word);
      }
    }
  }
}
