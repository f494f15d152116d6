// Runs Prometheus snmp_exporter (Debian's prometheus-snmp-exporter) with a hand-written module
// equivalent to its generated `if_mib` (ifTable + ifXTable walked, sysUpTime): the Debian
// package ships no generated snmp.yml.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { get, Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const IF = '1.3.6.1.2.1.2.2.1';
const IFX = '1.3.6.1.2.1.31.1.1.1';
const counters = [
  [IF, 10, 'ifInOctets'],
  [IF, 11, 'ifInUcastPkts'],
  [IF, 12, 'ifInNUcastPkts'],
  [IF, 13, 'ifInDiscards'],
  [IF, 14, 'ifInErrors'],
  [IF, 15, 'ifInUnknownProtos'],
  [IF, 16, 'ifOutOctets'],
  [IF, 17, 'ifOutUcastPkts'],
  [IF, 18, 'ifOutNUcastPkts'],
  [IF, 19, 'ifOutDiscards'],
  [IF, 20, 'ifOutErrors'],
  [IFX, 2, 'ifInMulticastPkts'],
  [IFX, 3, 'ifInBroadcastPkts'],
  [IFX, 4, 'ifOutMulticastPkts'],
  [IFX, 5, 'ifOutBroadcastPkts'],
  [IFX, 6, 'ifHCInOctets'],
  [IFX, 7, 'ifHCInUcastPkts'],
  [IFX, 8, 'ifHCInMulticastPkts'],
  [IFX, 9, 'ifHCInBroadcastPkts'],
  [IFX, 10, 'ifHCOutOctets'],
  [IFX, 11, 'ifHCOutUcastPkts'],
  [IFX, 12, 'ifHCOutMulticastPkts'],
  [IFX, 13, 'ifHCOutBroadcastPkts'],
] as const;
const gauges = [
  [IF, 1, 'ifIndex'],
  [IF, 3, 'ifType'],
  [IF, 4, 'ifMtu'],
  [IF, 5, 'ifSpeed'],
  [IF, 7, 'ifAdminStatus'],
  [IF, 8, 'ifOperStatus'],
  [IF, 9, 'ifLastChange'],
  [IF, 21, 'ifOutQLen'],
  [IFX, 14, 'ifLinkUpDownTrapEnable'],
  [IFX, 15, 'ifHighSpeed'],
  [IFX, 16, 'ifPromiscuousMode'],
  [IFX, 17, 'ifConnectorPresent'],
  [IFX, 19, 'ifCounterDiscontinuityTime'],
] as const;
const strings = [
  [IF, 2, 'ifDescr'],
  [IFX, 1, 'ifName'],
  [IFX, 18, 'ifAlias'],
] as const;

function metric(oid: string, name: string, type: string): string {
  return [
    `  - name: ${name}`,
    `    oid: ${oid}`,
    `    type: ${type}`,
    `    indexes:`,
    `    - labelname: ifIndex`,
    `      type: gauge`,
  ].join('\n');
}

export interface ExporterAuth {
  version: 2 | 3;
  community?: string;
  user?: string;
  authKey?: string;
  privKey?: string;
  authProtocol?: string;
  privProtocol?: string;
}

function moduleYaml(name: string, auth: ExporterAuth, maxRepetitions: number): string {
  const a =
    auth.version === 2
      ? `  auth:\n    community: ${auth.community}`
      : [
          '  auth:',
          `    username: ${auth.user}`,
          '    security_level: authPriv',
          `    password: ${auth.authKey}`,
          `    auth_protocol: ${auth.authProtocol}`,
          `    priv_protocol: ${auth.privProtocol}`,
          `    priv_password: ${auth.privKey}`,
        ].join('\n');
  const metrics = [
    `  - name: sysUpTime\n    oid: 1.3.6.1.2.1.1.3\n    type: gauge`,
    `  - name: ifNumber\n    oid: 1.3.6.1.2.1.2.1\n    type: gauge`,
    ...counters.map(([b, n, m]) => metric(`${b}.${n}`, m, 'counter')),
    ...gauges.map(([b, n, m]) => metric(`${b}.${n}`, m, 'gauge')),
    ...strings.map(([b, n, m]) => metric(`${b}.${n}`, m, 'DisplayString')),
    metric(`${IF}.6`, 'ifPhysAddress', 'PhysAddress48'),
  ];
  return [
    `${name}:`,
    '  walk:',
    '  - 1.3.6.1.2.1.2.2',
    '  - 1.3.6.1.2.1.31.1.1',
    '  get:',
    '  - 1.3.6.1.2.1.1.3.0',
    '  - 1.3.6.1.2.1.2.1.0',
    '  metrics:',
    ...metrics,
    `  version: ${auth.version}`,
    `  max_repetitions: ${maxRepetitions}`,
    '  retries: 1',
    '  timeout: 5s',
    a,
  ].join('\n');
}

export interface Exporter {
  readonly port: number;
  scrape(module: string, target: string): Promise<number>;
  /** utime + stime of the exporter process, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startExporter(
  dir: string,
  port: number,
  modules: Record<string, ExporterAuth>,
  maxRepetitions: number,
): Promise<Exporter> {
  const file = join(dir, 'snmp.yml');
  writeFileSync(
    file,
    Object.entries(modules)
      .map(([n, a]) => moduleYaml(n, a, maxRepetitions))
      .join('\n') + '\n',
  );
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus-snmp-exporter',
    [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const fetch = (path: string): Promise<[number, string]> =>
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve([res.statusCode ?? 0, body]));
      }).on('error', reject);
    });
  for (let i = 0; ; i++) {
    try {
      await fetch('/metrics');
      break;
    } catch {
      if (i > 50) throw new Error(`snmp_exporter did not start: ${err}`);
      await sleep(100);
    }
  }
  const ticks = (): number => {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  return {
    port,
    async scrape(module, target) {
      const [status, body] = await fetch(`/snmp?module=${module}&target=${target}`);
      if (status !== 200 || body.includes('snmp_scrape_walk_duration') === false) {
        throw new Error(`scrape failed: ${status} ${body.slice(0, 200)}`);
      }
      return body.length;
    },
    cpuMs: () => ticks() * 10,
    async stop() {
      agent.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
