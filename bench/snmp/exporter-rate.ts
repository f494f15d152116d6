// snmp_exporter on the same schedule as bench/snmp/whole-path.ts: N targets spread over K local
// snmpd agents, each scraped once per interval at an evenly spread offset (as Prometheus spreads
// its scrapes), `if_mib`-equivalent module. Prints the exporter's CPU per scrape and the agents'
// CPU per scrape, to put next to whole-path.ts's figures measured the same way.
//
//   node --conditions=source --import tsx bench/snmp/exporter-rate.ts [--agents 4] [--devices 600]
//        [--interval 1000] [--seconds 12] [--version v2c|v3]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SNMP_AGENT_SECRETS as S, SNMP_AGENT_USERS as U } from '@pollfleet/testing/snmp-agent';
import { startBenchAgents } from './bench-agents.js';
import { startExporter } from './snmp-exporter.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '4' },
    // Each device gets its own agent port (as each real device has its own address) unless set.
    'ports-per-agent': { type: 'string' },
    devices: { type: 'string', default: '600' },
    interval: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '12' },
    version: { type: 'string', default: 'v2c' },
    'max-repetitions': { type: 'string', default: '25' },
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

const dir = mkdtempSync(join(tmpdir(), 'pollfleet-exporter-'));
const module = args.version === 'v3' ? 'if_mib_v3' : 'if_mib';
const exporter = await startExporter(
  dir,
  19000 + Math.floor(Math.random() * 1000),
  {
    if_mib: { version: 2, community: S.community },
    if_mib_v3: {
      version: 3,
      user: U.authPriv,
      authKey: S.authKey,
      privKey: S.privKey,
      authProtocol: 'SHA256',
      privProtocol: 'AES',
    },
  },
  Number(args['max-repetitions']),
);

let ok = 0;
let failed = 0;
let counting = false;
const timers: NodeJS.Timeout[] = [];
for (let i = 0; i < DEVICES; i++) {
  const target = `127.0.0.1:${lab.portOf(i)}`;
  const offset = Math.floor((i * INTERVAL) / DEVICES);
  timers.push(
    setTimeout(() => {
      const scrape = (): void => {
        exporter.scrape(module, target).then(
          () => counting && ok++,
          () => counting && failed++,
        );
      };
      scrape();
      timers.push(setInterval(scrape, INTERVAL));
    }, offset),
  );
}
await new Promise((r) => setTimeout(r, 2 * INTERVAL + 500)); // warm-up
const agentsCpu = (): number => lab.cpuMs();
const exp0 = exporter.cpuMs();
const agents0 = agentsCpu();
counting = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
counting = false;
const elapsed = (performance.now() - t0) / 1000;
const expMs = exporter.cpuMs() - exp0;
const agentsMs = agentsCpu() - agents0;
for (const t of timers) clearTimeout(t);
console.log(
  JSON.stringify({
    tool: 'snmp_exporter',
    version: args.version,
    agents: AGENTS,
    devices: DEVICES,
    intervalMs: INTERVAL,
    scrapesPerSecond: Math.round(ok / elapsed),
    failed,
    exporterCpuMsPerScrape: +(expMs / ok).toFixed(3),
    agentsCpuMsPerScrape: +(agentsMs / ok).toFixed(3),
    loadAverage1m: +loadavg()[0]!.toFixed(2),
  }),
);
await exporter.stop();
await lab.stop();
rmSync(dir, { recursive: true, force: true });
