// Per-tick Redis cost of the fleet: acquire, extend and release leases and publish results for
// many devices, with and without ioredis auto-pipelining. Prints rates and ratios.
// Run: node --conditions=source --import tsx bench/redis/lease-bench.ts [devices]
import { randomBytes } from 'node:crypto';
import type { PollResult } from '@pollfleet/core';
import { RedisStreamsBus } from '@pollfleet/bus-redis';
import {
  FleetKeys,
  RedisLeaseStore,
  recommendedRedisOptions,
  deleteFleetKeys,
} from '@pollfleet/coordination-redis';
import type { Lease } from '@pollfleet/core';
import { Redis } from 'ioredis';

const DEVICES = Number(process.argv[2] ?? 10_000);

async function timed(label: string, n: number, run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rate = (n / ms) * 1000;
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  ${rate.toFixed(0).padStart(7)} ops/s`,
  );
  return rate;
}

function result(deviceId: string, fence: number): PollResult {
  const now = Date.now();
  return {
    v: 1,
    deviceId,
    deviceName: deviceId,
    collectorType: 'snmp',
    podId: 'bench',
    fence,
    scheduledFor: now,
    startedAt: now,
    durationMs: 5,
    ok: true,
    data: { sysUpTime: 123456, ifInOctets: [1, 2, 3, 4], ifOutOctets: [5, 6, 7, 8] },
  };
}

async function round(autoPipelining: boolean): Promise<Record<string, number>> {
  const redis = new Redis('redis://127.0.0.1:6379', {
    ...recommendedRedisOptions,
    enableAutoPipelining: autoPipelining,
  });
  const keys = new FleetKeys(`pfbench-${randomBytes(4).toString('hex')}`);
  const store = new RedisLeaseStore(redis, { keys });
  const bus = new RedisStreamsBus(redis, { stream: keys.results(), maxLen: 100_000 });
  const ids = Array.from({ length: DEVICES }, (_, i) => `dev-${i}`);
  const leases: Lease[] = [];
  const mode = autoPipelining ? 'auto-pipelined' : 'plain';
  console.log(`\n${DEVICES} devices, ${mode}, all calls of a tick issued at once`);
  const rates: Record<string, number> = {};
  rates['acquire'] = await timed('acquire (free devices)', DEVICES, async () => {
    const outs = await Promise.all(ids.map((id) => store.acquire(id, 'pod-a', 30_000)));
    for (const o of outs) if (o.acquired) leases.push(o.lease);
  });
  rates['extend, one at a time'] = await timed(
    'extend, one call in flight (latency)',
    2000,
    async () => {
      for (let i = 0; i < 2000; i++) await store.extend(leases[i % leases.length]!, 30_000);
    },
  );
  rates['contended'] = await timed('acquire (held by another pod)', DEVICES, async () => {
    await Promise.all(ids.map((id) => store.acquire(id, 'pod-b', 30_000)));
  });
  rates['extend'] = await timed('extend', DEVICES, async () => {
    await Promise.all(leases.map((l) => store.extend(l, 30_000)));
  });
  rates['publish'] = await timed('publish (XADD MAXLEN ~)', DEVICES, async () => {
    await Promise.all(leases.map((l) => bus.publish(result(l.deviceId, l.fence))));
  });
  rates['releaseMany'] = await timed('releaseMany (one pipeline)', DEVICES, async () => {
    await store.releaseMany(leases);
  });
  await deleteFleetKeys(redis, keys);
  redis.disconnect();
  return rates;
}

// A warm-up pair first, so JIT and connection set-up do not favour the second mode.
await round(false);
await round(true);
console.log('\n--- measured ---');
const plain = await round(false);
const auto = await round(true);
console.log('\nauto-pipelined / plain rate');
for (const k of Object.keys(plain)) {
  console.log(`${k.padEnd(22)} ${(auto[k]! / plain[k]!).toFixed(2)}×`);
}
