// SNMP collector benchmark: polls per second and CPU ms per poll of pollfleet's collector, the C
// snmpbulkwalk and Prometheus snmp_exporter, against several local snmpd agents.
//
//   node --conditions=source --import tsx bench/snmp/poll-bench.ts [--agents 4] [--polls 1500]
//        [--concurrency 1,64,256] [--versions v2c,v3] [--tools bare,default,ifmib,c,exporter]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Credentials, systemClock } from '@pollfleet/core';
import type { DeviceSpec } from '@pollfleet/core';
import { DEFAULT_SNMP_PROFILE, SnmpCollector } from '@pollfleet/collector-snmp';
import type { SnmpOptions, SnmpProfile } from '@pollfleet/collector-snmp';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  freeUdpPort,
  SNMP_AGENT_SECRETS as S,
  SNMP_AGENT_TOOL_AUTH,
  SNMP_AGENT_USERS as U,
  startSnmpAgent,
} from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { barePoll, bareSessions } from './bare-net-snmp.js';
import { startExporter } from './snmp-exporter.js';
import { IF_MIB_PROFILE } from './if-mib-profile.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '4' },
    polls: { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '1,64,256' },
    versions: { type: 'string', default: 'v2c,v3' },
    /** Any of bare, default, ifmib, c, exporter. */
    tools: { type: 'string', default: 'bare,default,ifmib,c,exporter' },
    'max-repetitions': { type: 'string', default: '25' },
  },
});
const AGENTS = Number(args.agents);
const POLLS = Number(args.polls);
const CONC = args.concurrency.split(',').map(Number);
const VERSIONS = args.versions.split(',') as ('v2c' | 'v3')[];
const REPS = Number(args['max-repetitions']);
const TOOLS = new Set(args.tools.split(','));

const v3opts = {
  version: '3',
  securityLevel: 'authPriv',
  user: U.authPriv,
  authProtocol: 'sha256',
  privProtocol: 'aes',
};
const creds = new Credentials(S);

async function pool(n: number, conc: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(conc, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

interface Row {
  tool: string;
  version: string;
  conc: number;
  polls: number;
  perSec: number;
  cpuMsPerPoll: number;
  values: number;
}
const rows: Row[] = [];

/** Must run before any SnmpCollector exists: the collector speeds up asn1-ber process-wide. */
async function benchBare(agents: SnmpAgent[], version: 'v2c' | 'v3', conc: number): Promise<void> {
  const sessions = bareSessions(agents, version, { ...S, user: U.authPriv });
  const one = (i: number): Promise<void> => barePoll(sessions[i % sessions.length]!, REPS);
  await pool(Math.max(conc, AGENTS), conc, one);
  const n = Math.max(POLLS, conc * 4);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, conc, one);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const s of sessions) s.close();
  rows.push({
    tool: 'bare net-snmp loop',
    version,
    conc,
    polls: n,
    perSec: n / wall,
    cpuMsPerPoll: (cpu.user + cpu.system) / 1000 / n,
    values: 0,
  });
}

async function benchPollfleet(
  agents: SnmpAgent[],
  version: 'v2c' | 'v3',
  conc: number,
  profile: SnmpProfile,
  label: string,
): Promise<void> {
  const c = new SnmpCollector({
    logger: testLogger(),
    clock: systemClock,
    sharedState: new MemorySharedState(),
  });
  const devices: DeviceSpec<SnmpOptions>[] = Array.from(
    { length: Math.max(conc, AGENTS) },
    (_, i) => ({
      id: `d${i}`,
      name: `d${i}`,
      collectorType: 'snmp',
      host: '127.0.0.1',
      port: agents[i % agents.length]!.port,
      intervalMs: 60_000,
      timeoutMs: 30_000,
      credentialsRef: 'x',
      labels: {},
      revision: 1,
      options: c.parseOptions(
        {
          ...(version === 'v3' ? v3opts : { version: '2c' }),
          profile,
          maxRepetitions: REPS,
          timeoutMs: 5000,
          retries: 2,
        },
        `d${i}`,
      ),
    }),
  );
  const logger = testLogger();
  let values = 0;
  let failures = 0;
  const one = async (i: number): Promise<void> => {
    try {
      const r = await c.collect(devices[i % devices.length]!, {
        signal: new AbortController().signal, // one per poll, as the scheduler does
        credentials: creds,
        logger,
        scheduledFor: 0,
      });
      const json = JSON.stringify(r); // what publishing serialises
      if (i === 0) values = json.length;
    } catch {
      failures++;
    }
  };
  await pool(devices.length, conc, one); // warm-up: sessions, v3 discovery, JIT
  const n = Math.max(POLLS, conc * 4);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(n, conc, one);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await c.close();
  rows.push({
    tool: label,
    version,
    conc,
    polls: n,
    perSec: n / wall,
    cpuMsPerPoll: (cpu.user + cpu.system) / 1000 / n,
    values,
  });
  if (failures > 0) console.log(`  (${label} ${version} c=${conc}: ${failures} failed polls)`);
}

function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // cutime + cstime, 100 Hz ticks
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

async function benchC(agents: SnmpAgent[], version: 'v2c' | 'v3', conc: number): Promise<void> {
  const auth = [...(version === 'v2c' ? SNMP_AGENT_TOOL_AUTH.v2c : SNMP_AGENT_TOOL_AUTH.authPriv)];
  const env = agents[0]!.toolEnv;
  // One poll = the same data as if_mib: one snmpbulkwalk of ifTable and one of ifXTable.
  const one = async (i: number): Promise<void> => {
    const a = agents[i % agents.length]!;
    for (const oid of ['1.3.6.1.2.1.2.2', '1.3.6.1.2.1.31.1.1']) {
      await run(
        '/usr/bin/snmpbulkwalk',
        [...auth, `-Cr${REPS}`, '-On', '-t', '5', `${a.host}:${a.port}`, oid],
        env,
      );
    }
  };
  const n = Math.max(Math.floor(POLLS / 3), conc * 2);
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  await pool(n, conc, one);
  const wall = (performance.now() - t0) / 1000;
  rows.push({
    tool: 'snmpbulkwalk (C)',
    version,
    conc,
    polls: n,
    perSec: n / wall,
    cpuMsPerPoll: (childCpuMs() - cpu0) / n,
    values: 0,
  });
}

async function benchExporter(
  agents: SnmpAgent[],
  version: 'v2c' | 'v3',
  conc: number,
  dir: string,
): Promise<void> {
  const ex = await startExporter(
    dir,
    await freeTcpPort(),
    {
      if_mib_v2: { version: 2, community: S.community },
      if_mib_v3: {
        version: 3,
        user: U.authPriv,
        authKey: S.authKey,
        privKey: S.privKey,
        authProtocol: 'SHA256',
        privProtocol: 'AES',
      },
    },
    REPS,
  );
  try {
    const mod = version === 'v2c' ? 'if_mib_v2' : 'if_mib_v3';
    const one = async (i: number): Promise<void> => {
      const a = agents[i % agents.length]!;
      await ex.scrape(mod, `${a.host}:${a.port}`);
    };
    await pool(Math.max(conc, AGENTS), conc, one);
    const n = Math.max(POLLS, conc * 4);
    const cpu0 = ex.cpuMs();
    const t0 = performance.now();
    await pool(n, conc, one);
    const wall = (performance.now() - t0) / 1000;
    rows.push({
      tool: 'snmp_exporter 0.21',
      version,
      conc,
      polls: n,
      perSec: n / wall,
      cpuMsPerPoll: (ex.cpuMs() - cpu0) / n,
      values: 0,
    });
  } finally {
    await ex.stop();
  }
}

async function freeTcpPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pollfleet-bench-'));
const agents = await Promise.all(Array.from({ length: AGENTS }, () => startSnmpAgent()));
void freeUdpPort;
try {
  if (TOOLS.has('bare')) {
    for (const version of VERSIONS) for (const conc of CONC) await benchBare(agents, version, conc);
  }
  for (const version of VERSIONS) {
    for (const conc of CONC) {
      if (TOOLS.has('default')) {
        await benchPollfleet(
          agents,
          version,
          conc,
          DEFAULT_SNMP_PROFILE,
          'pollfleet default profile',
        );
      }
      if (TOOLS.has('ifmib')) {
        await benchPollfleet(agents, version, conc, IF_MIB_PROFILE, 'pollfleet if_mib-equivalent');
      }
      if (TOOLS.has('c') && conc <= 64) await benchC(agents, version, conc);
      if (TOOLS.has('exporter')) await benchExporter(agents, version, conc, dir);
      const last = rows.filter((r) => r.version === version && r.conc === conc);
      for (const r of last) {
        console.log(
          `${r.tool.padEnd(30)} ${r.version} c=${String(r.conc).padEnd(4)} ${r.perSec.toFixed(0).padStart(6)} polls/s  ${r.cpuMsPerPoll.toFixed(3)} ms CPU/poll`,
        );
      }
      const ex = last.find((r) => r.tool.startsWith('snmp_exporter'));
      const pf = last.find((r) => r.tool === 'pollfleet if_mib-equivalent');
      const bare = last.find((r) => r.tool === 'bare net-snmp loop');
      if (bare && pf)
        console.log(
          `  ratio pollfleet/bare net-snmp CPU per poll (same data): ${(pf.cpuMsPerPoll / bare.cpuMsPerPoll).toFixed(2)}`,
        );
      if (ex && pf)
        console.log(
          `  ratio pollfleet/snmp_exporter CPU per poll (same data): ${(pf.cpuMsPerPoll / ex.cpuMsPerPoll).toFixed(2)}`,
        );
    }
  }
  console.log(
    '\n| tool | version | concurrency | polls | polls/s | CPU ms/poll |\n|---|---|---|---|---|---|',
  );
  for (const r of rows)
    console.log(
      `| ${r.tool} | ${r.version} | ${r.conc} | ${r.polls} | ${r.perSec.toFixed(0)} | ${r.cpuMsPerPoll.toFixed(3)} |`,
    );
} finally {
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
}
