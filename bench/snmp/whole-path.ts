// pollfleet's whole path for SNMP, as a pod runs it: schedule → lease extend (real Redis) →
// breaker → SNMP poll of a real snmpd → decode → publish (XADD on the real Redis), for N
// devices spread over K local agents. Prints Node CPU ms per poll (process.cpuUsage), which is
// the figure issue #4 sets a target for (< 0.5 ms per v2c poll).
//
//   node --conditions=source --import tsx bench/snmp/whole-path.ts [--agents 4] [--devices 200]
//        [--interval 1000] [--seconds 20] [--version v2c|v3] [--profile default|ifmib]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { CollectorRegistry, PollEngine, systemClock, validateDeviceRow } from '@pollfleet/core';
import type { Collector, DeviceRow, DeviceSpec } from '@pollfleet/core';
import { RedisStreamsBus } from '@pollfleet/bus-redis';
import { registerSnmpCollector } from '@pollfleet/collector-snmp';
import {
  FleetKeys,
  RedisBreakerStore,
  RedisLeaseStore,
  RedisSharedState,
  deleteFleetKeys,
  recommendedRedisOptions,
} from '@pollfleet/coordination-redis';
import { MemoryCredentials, testLogger } from '@pollfleet/testing';
import { SNMP_AGENT_SECRETS as S, SNMP_AGENT_USERS as U } from '@pollfleet/testing/snmp-agent';
import { startBenchAgents } from './bench-agents.js';
import { IF_MIB_PROFILE } from './if-mib-profile.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '4' },
    // Each device gets its own agent port (as each real device has its own address) unless set.
    'ports-per-agent': { type: 'string' },
    devices: { type: 'string', default: '200' },
    interval: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    version: { type: 'string', default: 'v2c' },
    profile: { type: 'string', default: 'default' },
    // The collector alone on the same schedule (timers, no engine, no Redis): splits the cost.
    'collector-only': { type: 'boolean', default: false },
  },
});
const AGENTS = Number(args.agents);
const DEVICES = Number(args.devices);
const INTERVAL = Number(args.interval);
const SECONDS = Number(args.seconds);

const lab = await startBenchAgents(
  AGENTS,
  DEVICES,
  args['ports-per-agent'] === undefined ? undefined : Number(args['ports-per-agent']),
);

const redis = new Redis('redis://127.0.0.1:6379', { ...recommendedRedisOptions });
const keys = new FleetKeys(`bench-snmp-${randomBytes(3).toString('hex')}`);
const logger = testLogger();
const registry = new Registry();
const collectors = new CollectorRegistry();
registerSnmpCollector(collectors);
const deps = {
  logger,
  clock: systemClock,
  sharedState: new RedisSharedState(redis, { namespace: 'collectors', keys }),
};
const direct: { spec: DeviceSpec; collector: Collector }[] = [];
let directPolls = 0;
let directFailed = 0;
let stopping = false;
const credentials = new MemoryCredentials();
credentials.secrets.set('lab', { ...S });
const engine = new PollEngine({
  podId: 'bench',
  logger,
  registry,
  leases: new RedisLeaseStore(redis, { keys }),
  breakers: new RedisBreakerStore(redis, { keys }),
  bus: new RedisStreamsBus(redis, { stream: keys.results(), maxLen: 10_000 }),
  credentials,
  concurrency: 256,
  leaseMarginMs: 5000,
});
const options = {
  ...(args.version === 'v3'
    ? {
        version: '3',
        securityLevel: 'authPriv',
        user: U.authPriv,
        authProtocol: 'sha256',
        privProtocol: 'aes',
      }
    : { version: '2c' }),
  ...(args.profile === 'ifmib' ? { profile: IF_MIB_PROFILE } : {}),
  maxRepetitions: 25,
};
for (let i = 0; i < DEVICES; i++) {
  const row: DeviceRow = {
    id: `d${i}`,
    name: `d${i}`,
    collectorType: 'snmp',
    host: '127.0.0.1',
    port: lab.portOf(i),
    intervalMs: INTERVAL,
    timeoutMs: Math.min(INTERVAL, 5000),
    enabled: true,
    options,
    credentialsRef: 'lab',
    labels: {},
    revision: 1,
  };
  const { spec, collector } = validateDeviceRow(
    row,
    (t) => collectors.get(t, deps),
    { minIntervalMs: 100 },
    () => collectors.types(),
  );
  if (args['collector-only']) direct.push({ spec, collector });
  else engine.upsert(spec, collector);
}
const outcomes = async (): Promise<Map<string, number>> => {
  const m = await registry.getSingleMetric('pollfleet_polls_total')!.get();
  const out = new Map<string, number>();
  for (const v of m.values)
    out.set(String(v.labels.outcome), (out.get(String(v.labels.outcome)) ?? 0) + v.value);
  out.set('success', (out.get('success') ?? 0) + directPolls);
  out.set('error_transient', (out.get('error_transient') ?? 0) + directFailed);
  return out;
};
const timers: NodeJS.Timeout[] = [];
if (args['collector-only']) {
  // Same spread as the engine's phases, no leases, breaker or publishing: collect + serialise.
  const creds = (await credentials.resolve('lab'))!;
  direct.forEach(({ spec, collector }, i) => {
    const poll = (): void => {
      collector
        .collect(spec, {
          signal: AbortSignal.timeout(spec.timeoutMs),
          credentials: creds,
          logger,
          scheduledFor: Date.now(),
        })
        .then(
          (r) => (JSON.stringify(r), directPolls++),
          (e: unknown) => {
            if (directFailed++ === 0 && !stopping) console.error('first failed poll:', e);
          },
        );
    };
    timers.push(
      setTimeout(() => timers.push(setInterval(poll, INTERVAL)), (i * INTERVAL) / DEVICES),
    );
  });
} else engine.start();
await new Promise((r) => setTimeout(r, 2 * INTERVAL + 500)); // leases, v3 discovery, JIT
const redisCpuMs = async (): Promise<number> => {
  const info = await redis.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)![1]);
  return (v('used_cpu_sys') + v('used_cpu_user')) * 1000;
};
// Times the process went to sleep (each wake-up costs: on a VM, timer and IPI exits).
const voluntarySwitches = (): number =>
  Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
const agentsCpu = (): number => lab.cpuMs();
const before = await outcomes();
const agents0 = agentsCpu();
const sleeps0 = voluntarySwitches();
const redis0 = await redisCpuMs();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const cpu = process.cpuUsage(cpu0);
const elapsed = (performance.now() - t0) / 1000;
const agentsMs = agentsCpu() - agents0;
const sleeps = voluntarySwitches() - sleeps0;
const redisMs = (await redisCpuMs()) - redis0;
const after = await outcomes();
const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
const polls =
  delta('success') + delta('partial') + delta('error_transient') + delta('error_permanent');
console.log(
  JSON.stringify(
    {
      version: args.version,
      profile: args.profile,
      path: args['collector-only'] ? 'collector only (timers)' : 'whole path (engine, Redis)',
      agents: AGENTS,
      portsPerAgent: lab.portsPerAgent,
      devices: DEVICES,
      intervalMs: INTERVAL,
      pollsPerSecond: Math.round(polls / elapsed),
      ok: delta('success'),
      partial: delta('partial'),
      failed: delta('error_transient') + delta('error_permanent'),
      skippedLate: delta('skipped_late') + delta('skipped_overlap'),
      nodeCpuMsPerPoll: +((cpu.user + cpu.system) / 1000 / polls).toFixed(3),
      nodeUserMsPerPoll: +(cpu.user / 1000 / polls).toFixed(3),
      nodeSystemMsPerPoll: +(cpu.system / 1000 / polls).toFixed(3),
      sleepsPerPoll: +(sleeps / polls).toFixed(2),
      agentsCpuMsPerPoll: +(agentsMs / polls).toFixed(3),
      redisCpuMsPerPoll: +(redisMs / polls).toFixed(3),
      loadAverage1m: +(await import('node:os')).loadavg()[0]!.toFixed(2),
    },
    null,
    2,
  ),
);
stopping = true; // polls still in flight are aborted by close(): not failures of the run
for (const t of timers) clearTimeout(t);
await engine.stop(2000);
await collectors.close();
await deleteFleetKeys(redis, keys);
redis.disconnect();
await lab.stop();
