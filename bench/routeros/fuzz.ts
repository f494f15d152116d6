// The long decoder fuzz run: N generated/mutated streams (default 10 million) from a seed.
//   node --conditions=source --import tsx bench/routeros/fuzz.ts [count] [seed]
import { RouterOsProtocolError, SentenceDecoder } from '@pollfleet/collector-routeros';
import { fuzzStreams } from '@pollfleet/testing/routeros-simulator';

const count = Number(process.argv[2] ?? '10000000');
const seed = Number(process.argv[3] ?? '1');
let rejected = 0;
let sentences = 0;
let bytes = 0;
let peakHeap = 0;
let i = 0;
const t0 = performance.now();
for (const s of fuzzStreams(seed, count)) {
  const d = new SentenceDecoder({ maxWordBytes: 1024 * 1024 });
  try {
    for (const c of s.chunks) {
      bytes += c.length;
      sentences += d.push(c).length;
    }
  } catch (err) {
    if (!(err instanceof RouterOsProtocolError)) {
      console.error(`stream ${i} of seed ${seed}: unexpected ${String(err)}`);
      process.exit(1);
    }
    rejected++;
  }
  if ((++i & 0xfffff) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const secs = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    seed,
    streams: i,
    bytes,
    sentences,
    rejected,
    uncaught: 0,
    seconds: Number(secs.toFixed(1)),
    streamsPerSecond: Math.round(i / secs),
    peakHeapMiB: Number((peakHeap / 1048576).toFixed(1)),
  }),
);
