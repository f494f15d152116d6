/**
 * The engine's own cost, on the real Redis: N devices on an in-process no-op collector, so what
 * is measured is schedule → lease extend → breaker → collect → publish (XADD).
 *
 *   node --conditions=source --import tsx bench/core/engine.ts [devices=5000] [intervalMs=1000] [seconds=20]
 *
 * Prints polls/s, CPU ms per poll (process.cpuUsage), Redis commands per poll (INFO
 * commandstats delta), schedule lag p50/p99, and heap bytes per device.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CollectorRegistry, PollEngine } from '@pollfleet/core';
import type { DeviceSpec } from '@pollfleet/core';
import {
  FleetKeys,
  RedisBreakerStore,
  RedisLeaseStore,
  deleteFleetKeys,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import { RedisStreamsBus } from '@pollfleet/bus-redis';
import { MemorySharedState, testLogger } from '@pollfleet/testing';

const devices = Number(process.argv[2] ?? 5000);
const intervalMs = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 20);
const prefix = `bench-${randomBytes(3).toString('hex')}`;

const redis = new Redis('redis://127.0.0.1:6379', { ...recommendedRedisOptions });
// Count what the engine's client sends (round-trip commands; scripts count once).
let sent = 0;
const send = redis.sendCommand.bind(redis);
redis.sendCommand = (...args: Parameters<typeof send>) => {
  sent++;
  return send(...args);
};
const admin = new Redis('redis://127.0.0.1:6379');
const keys = new FleetKeys(prefix);
const registry = new Registry();
const collectors = new CollectorRegistry();
collectors.registerCollector('noop', () => ({
  type: 'noop',
  defaultPort: 1,
  parseOptions: () => ({}),
  collect: () =>
    Promise.resolve({ data: { ifInOctets: 123456789, ifOutOctets: 987654321, up: true } }),
  close: () => Promise.resolve(),
}));
const collector = collectors.get('noop', {
  logger: testLogger(),
  clock: {
    now: Date.now,
    setTimeout: (f, ms) => {
      const t = setTimeout(f, ms);
      return { cancel: () => clearTimeout(t) };
    },
  },
  sharedState: new MemorySharedState(),
})!;

async function redisCpuSeconds(): Promise<number> {
  const info = await admin.info('cpu');
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return num('used_cpu_sys') + num('used_cpu_user');
}

async function commandCount(): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm))
    if (m[1] !== 'info') n += Number(m[2]);
  return n;
}

async function lagBuckets(reg: Registry): Promise<{ le: string; count: number }[]> {
  const m = await reg.getSingleMetric('pollfleet_schedule_lag_seconds')!.get();
  return (
    m.values as { value: number; labels: Record<string, string | number>; metricName?: string }[]
  )
    .filter((v) => v.metricName === 'pollfleet_schedule_lag_seconds_bucket')
    .map((v) => ({ le: String(v.labels.le), count: v.value }));
}

/** Upper bucket bound holding the q-quantile of the observations made between two reads. */
function quantile(
  before: { le: string; count: number }[],
  after: { le: string; count: number }[],
  q: number,
): string {
  const delta = after.map((b, i) => ({ le: b.le, count: b.count - before[i]!.count }));
  const total = delta.at(-1)!.count;
  return `<= ${delta.find((b) => b.count >= q * total)!.le}`;
}

const heapBefore = (global.gc?.(), process.memoryUsage().heapUsed);
const engine = new PollEngine({
  podId: 'bench',
  logger: testLogger(),
  leases: new RedisLeaseStore(redis, { keys }),
  breakers: new RedisBreakerStore(redis, { keys }),
  bus: new RedisStreamsBus(redis, { stream: keys.results(), maxLen: 10_000 }),
  registry,
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 256),
  leaseMarginMs: 5000,
});
for (let i = 0; i < devices; i++) {
  const spec: DeviceSpec = {
    id: String(i),
    name: `d${i}`,
    collectorType: 'noop',
    host: '127.0.0.1',
    port: 1,
    intervalMs,
    timeoutMs: Math.min(1000, intervalMs),
    options: {},
    credentialsRef: null,
    labels: {},
    revision: 1,
  };
  engine.upsert(spec, collector);
}
global.gc?.();
const heapPerDevice = (process.memoryUsage().heapUsed - heapBefore) / devices;
engine.start();
// Warm-up: one interval acquires every lease.
await new Promise((r) => setTimeout(r, intervalMs + 500));
const polls = async (): Promise<number> => {
  const m = await registry.getSingleMetric('pollfleet_polls_total')!.get();
  return m.values.filter((v) => v.labels.outcome === 'success').reduce((a, v) => a + v.value, 0);
};
const p0 = await polls();
const c0 = await commandCount();
const r0 = await redisCpuSeconds();
const s0 = sent;
const l0 = await lagBuckets(registry);
const heap0 = process.memoryUsage().heapUsed;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - t0) / 1000;
const p1 = await polls();
const c1 = await commandCount();
const r1 = await redisCpuSeconds();
const s1 = sent;
const l1 = await lagBuckets(registry);
const n = p1 - p0;
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify(
    {
      devices,
      intervalMs,
      seconds: Math.round(elapsed),
      pollsPerSecond: Math.round(n / elapsed),
      expectedPollsPerSecond: Math.round((devices * 1000) / intervalMs),
      cpuMsPerPoll: +(cpuMs / n).toFixed(4),
      pollsPerCpuSecond: Math.round(n / (cpuMs / 1000)),
      redisServerCpuMsPerPoll: +(((r1 - r0) * 1000) / n).toFixed(4),
      redisCommandsSentPerPoll: +((s1 - s0) / n).toFixed(3),
      redisCommandsExecutedPerPoll: +((c1 - c0 - 2) / n).toFixed(3),
      lagP50s: quantile(l0, l1, 0.5),
      lagP99s: quantile(l0, l1, 0.99),
      lagP999s: quantile(l0, l1, 0.999),
      lagBuckets: l1.map((b, i) => `${b.le}:${b.count - l0[i]!.count}`).join(' '),
      heapBytesPerDevice: Math.round(heapPerDevice),
      heapGrowthMB: +((process.memoryUsage().heapUsed - heap0) / 2 ** 20).toFixed(1),
      eventLoopDelayP99ms: +(loopDelay.percentile(99) / 1e6).toFixed(1),
      eventLoopDelayMaxMs: +(loopDelay.max / 1e6).toFixed(1),
    },
    null,
    2,
  ),
);
await engine.stop(1000);
await deleteFleetKeys(admin, keys);
await redis.quit();
await admin.quit();
