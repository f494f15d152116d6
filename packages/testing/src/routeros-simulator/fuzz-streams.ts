import { lengthPrefix, sentence } from '@pollfleet/lab/routeros';

/** A small seeded PRNG (mulberry32): fuzz failures reproduce from the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzStream {
  /** The byte stream, cut into the chunks a socket might deliver. */
  readonly chunks: readonly Buffer[];
  /** The sentences it must decode to, when it was left valid; undefined when mutated/random. */
  readonly expected: readonly (readonly string[])[] | undefined;
}

const TYPES = ['!re', '!done', '!trap', '!fatal', '!empty'];
const KEYS = ['name', 'message', 'category', 'rx-byte', '.id', 'comment', 'uptime'];

function randomWord(r: () => number): string {
  const roll = r();
  if (roll < 0.6) {
    const k = KEYS[Math.floor(r() * KEYS.length)] as string;
    return `=${k}=${'v'.repeat(Math.floor(r() * 20))}`;
  }
  if (roll < 0.7) return `.tag=${Math.floor(r() * 1000)}`;
  if (roll < 0.8) return '=x=' + 'L'.repeat(120 + Math.floor(r() * 200)); // 2-byte length class
  return String.fromCharCode(
    ...Array.from({ length: 1 + Math.floor(r() * 10) }, () => 32 + Math.floor(r() * 90)),
  );
}

function validReply(r: () => number): string[][] {
  const out: string[][] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const words = [TYPES[Math.floor(r() * TYPES.length)] as string];
    const m = Math.floor(r() * 5);
    for (let j = 0; j < m; j++) words.push(randomWord(r));
    out.push(words);
  }
  return out;
}

/** Hostile length prefixes: every class, including 256 MiB and 4 GiB declarations. */
function hostilePrefix(r: () => number): Buffer {
  const choices = [
    () => lengthPrefix(256 * 1024 * 1024),
    () => lengthPrefix(0xffffffff),
    () => lengthPrefix(0x10000000 + Math.floor(r() * 0xefffffff)),
    () => lengthPrefix(0x200000 + Math.floor(r() * 0xde00000)),
    () => Buffer.from([0xf8 + Math.floor(r() * 8)]),
    () => Buffer.from([0xf1 + Math.floor(r() * 7)]),
    () => Buffer.from([0xc0 | Math.floor(r() * 32)]),
  ];
  return (choices[Math.floor(r() * choices.length)] as () => Buffer)();
}

function mutate(stream: Buffer, r: () => number): Buffer {
  let b = Buffer.from(stream);
  const ops = 1 + Math.floor(r() * 3);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(r() * (b.length + 1));
    const op = r();
    if (op < 0.35 && b.length > 0) {
      const i = Math.min(at, b.length - 1);
      b[i] = (b[i] as number) ^ (1 << Math.floor(r() * 8));
    } else if (op < 0.5) {
      b = b.subarray(0, at);
    } else if (op < 0.75) {
      b = Buffer.concat([b.subarray(0, at), hostilePrefix(r), b.subarray(at)]);
    } else if (op < 0.9 && b.length > 0) {
      const i = Math.min(at, b.length - 1);
      b[i] = Math.floor(r() * 256);
    } else {
      b = Buffer.concat([b, b.subarray(0, at)]);
    }
  }
  return b;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function chunk(stream: Buffer, r: () => number): Buffer[] {
  if (stream.length === 0 || r() < 0.3) return [stream];
  const out: Buffer[] = [];
  let i = 0;
  while (i < stream.length) {
    const n = 1 + Math.floor(r() * Math.min(16, stream.length - i));
    out.push(stream.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * `count` byte streams from `seed`: a quarter random bytes, a quarter valid replies, half
 * valid replies mutated (bit flips, truncation, hostile length prefixes, overwrites,
 * duplication). Each is cut into random chunks.
 */
export function* fuzzStreams(seed: number, count: number): Generator<FuzzStream, void, undefined> {
  const r = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const kind = r();
    if (kind < 0.25) {
      yield { chunks: chunk(randomBytes(r, Math.floor(r() * 48)), r), expected: undefined };
      continue;
    }
    const reply = validReply(r);
    const stream = Buffer.concat(reply.map((s) => sentence(s)));
    if (kind < 0.5) yield { chunks: chunk(stream, r), expected: reply };
    else yield { chunks: chunk(mutate(stream, r), r), expected: undefined };
  }
}
