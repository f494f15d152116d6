// Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self time: the top functions and a
// rollup by package/area, as shares of busy time (idle and program excluded).
//
//   node --import tsx bench/tools/cpuprofile-summary.ts <file.cpuprofile> [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: cpuprofile-summary.ts <file.cpuprofile> [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

function area(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)' || fn === '(program)') return fn;
  const pkg = /packages\/([^/]+)\//.exec(url);
  if (pkg && !url.includes('node_modules')) return `pollfleet:${pkg[1]}`;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (mod) return `npm:${mod[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url === '') return `native`;
  return url.replace(/^.*\/(bench|apps)\//, '$1/');
}

const fnTotals = new Map<string, number>();
const areaTotals = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const a = area(url, functionName);
  if (a === '(idle)' || a === '(program)') continue;
  busy += us;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
  areaTotals.set(a, (areaTotals.get(a) ?? 0) + us);
}
const pct = (us: number) => ((100 * us) / busy).toFixed(1).padStart(5) + ' %';
console.log(`busy ${(busy / 1000).toFixed(0)} ms of samples`);
console.log('\nby area:');
for (const [a, us] of [...areaTotals].sort((x, y) => y[1] - x[1])) console.log(`${pct(us)}  ${a}`);
console.log('\ntop functions (self):');
for (const [k, us] of [...fnTotals].sort((x, y) => y[1] - x[1]).slice(0, Number(args.top)))
  console.log(`${pct(us)}  ${k}`);
