// Polls per second and CPU time per poll of the RouterOS collector against the simulator
// (in a child process), at several concurrencies, with and without connection reuse.
//   node --conditions=source --import tsx bench/routeros/polls.ts [durationMs] [api|rest]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Credentials, systemClock } from '@pollfleet/core';
import type { DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsOptions } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';

const durationMs = Number(process.argv[2] ?? '5000');
const transport = process.argv[3] === 'rest' ? 'rest' : 'api';
const deviceOptions =
  transport === 'rest' ? { transport, tls: { mode: 'insecure-self-signed' } } : {};
const concurrencies = [1, 64, 256];
const maxRouters = Math.max(...concurrencies);

const child = spawn(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    new URL('./simulator-process.ts', import.meta.url).pathname,
    String(maxRouters),
    transport,
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const ports = JSON.parse(line) as number[];

const credentials = new Credentials({ username: 'admin', password: 'secret' });

async function run(concurrency: number, reuse: boolean) {
  const collector = new RouterOsCollector(
    { logger: testLogger(), clock: systemClock, sharedState: new MemorySharedState() },
    { reuseConnections: reuse },
  );
  const devices: DeviceSpec<RouterOsOptions>[] = ports.slice(0, concurrency).map((port, i) => ({
    id: `bench-${i}`,
    name: `bench-${i}`,
    collectorType: 'routeros',
    host: '127.0.0.1',
    port,
    intervalMs: 1000,
    timeoutMs: 10_000,
    options: collector.parseOptions(deviceOptions, `bench-${i}`),
    credentialsRef: null,
    labels: {},
    revision: 1,
  }));
  const ctx = () => ({
    signal: new AbortController().signal,
    credentials,
    logger: testLogger(),
    scheduledFor: 0,
  });
  // Warm-up: one poll per device (opens the reused connections, JITs the hot paths).
  await Promise.all(devices.map((d) => collector.collect(d, ctx())));
  let polls = 0;
  let failures = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    devices.map(async (d) => {
      while (performance.now() < deadline) {
        try {
          await collector.collect(d, ctx());
          polls++;
        } catch {
          failures++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await collector.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    concurrency,
    reuse,
    polls,
    failures,
    pollsPerSecond: polls / elapsed,
    cpuMsPerPoll: cpuMs / Math.max(polls, 1),
  };
}

console.log(
  `RouterOS collector over ${transport}, ${durationMs} ms per case, Node ${process.version}`,
);
console.log('| concurrency | reuse | polls/s | CPU ms/poll | polls | failures |');
console.log('|---:|:---:|---:|---:|---:|---:|');
for (const reuse of [true, false]) {
  for (const c of concurrencies) {
    const r = await run(c, reuse);
    console.log(
      `| ${r.concurrency} | ${r.reuse ? 'yes' : 'no'} | ${r.pollsPerSecond.toFixed(0)} | ${r.cpuMsPerPoll.toFixed(3)} | ${r.polls} | ${r.failures} |`,
    );
  }
}
child.stdin.end();
await once(child, 'exit');
