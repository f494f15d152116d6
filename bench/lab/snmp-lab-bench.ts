// CPU and memory of the simulated SNMP lab (packages/lab): starts it in a child process with N
// devices of K interfaces, walks every device's IF-MIB (GET sysUpTime + ifNumber, GETBULK subtree
// walks of ifTable and ifXTable, max-repetitions 25) with net-snmp sessions, and reads the
// child's CPU. Prints CPU ms per request and per full IF-MIB walk, and memory per device.
//
//   node --conditions=source --import tsx bench/lab/snmp-lab-bench.ts [devices] [interfaces] [v2c|v3] [rounds]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { LAB_COMMUNITY, LAB_V3_USER } from '@pollfleet/lab';

interface Session {
  get(oids: string[], cb: (err: Error | null) => void): void;
  subtree(
    oid: string,
    reps: number,
    feed: (vbs: unknown[]) => void,
    done: (err: Error | null) => void,
  ): void;
  close(): void;
  on(ev: string, fn: () => void): void;
}
interface NetSnmp {
  createSession(host: string, community: string, o: object): Session;
  createV3Session(host: string, user: object, o: object): Session;
  Version2c: number;
  SecurityLevel: Record<string, number>;
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

const devices = Number(process.argv[2] ?? 100);
const interfaces = Number(process.argv[3] ?? 8);
const version = (process.argv[4] ?? 'v2c') as 'v2c' | 'v3';
const rounds = Number(process.argv[5] ?? 3);
const CONCURRENCY = 16;

const child = spawn(
  process.execPath,
  [
    '--expose-gc',
    '--conditions=source',
    '--import',
    'tsx',
    'bench/lab/lab-process.ts',
    String(devices),
    String(interfaces),
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const nextLine = async (): Promise<string> => {
  const r = await lines.next();
  if (r.done) throw new Error('lab process ended');
  return r.value;
};
interface Stats {
  cpuMs: number;
  received: number;
  answered: number;
  heapUsed: number;
  rss: number;
}
const stats = async (): Promise<Stats> => {
  child.stdin.write('stats\n');
  return JSON.parse(await nextLine()) as Stats;
};

const started = JSON.parse(await nextLine()) as {
  ports: { port: number; version: string }[];
  before: { heapUsed: number; rss: number };
  afterStart: { heapUsed: number; rss: number };
};
// generatedSnmpDevices makes every 4th device v3: walk the devices of the chosen version.
const targets = started.ports.filter((p) => p.version === (version === 'v2c' ? '2c' : '3'));
const sessions = targets.map((t) => {
  const o = { port: t.port, retries: 1, timeout: 5000 };
  const s =
    version === 'v2c'
      ? snmp.createSession('127.0.0.1', LAB_COMMUNITY, { ...o, version: snmp.Version2c })
      : snmp.createV3Session(
          '127.0.0.1',
          {
            name: LAB_V3_USER.user,
            level: snmp.SecurityLevel.authPriv,
            authProtocol: snmp.AuthProtocols.sha,
            authKey: LAB_V3_USER.authKey,
            privProtocol: snmp.PrivProtocols.aes,
            privKey: LAB_V3_USER.privKey,
          },
          o,
        );
  s.on('error', () => undefined);
  return s;
});

async function walk(s: Session): Promise<void> {
  await new Promise<void>((res, rej) =>
    s.get(['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.1.0'], (e) => (e ? rej(e) : res())),
  );
  for (const oid of ['1.3.6.1.2.1.2.2', '1.3.6.1.2.1.31.1.1']) {
    await new Promise<void>((res, rej) =>
      s.subtree(
        oid,
        25,
        () => undefined,
        (e) => (e ? rej(e) : res()),
      ),
    );
  }
}

async function round(): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < sessions.length) await walk(sessions[next++]!);
    }),
  );
}

await round(); // warm-up: v3 discovery, JIT
const a = await stats();
const t0 = performance.now();
for (let r = 0; r < rounds; r++) await round();
const wallMs = performance.now() - t0;
const b = await stats();
for (const s of sessions) s.close();
child.stdin.end();

const walks = rounds * sessions.length;
const requests = b.received - a.received;
const cpu = b.cpuMs - a.cpuMs;
const mib = (n: number): string => (n / 1048576).toFixed(1);
console.log(
  `lab: ${devices} devices × ${interfaces} interfaces; walked ${sessions.length} ${version} devices × ${rounds} rounds`,
);
console.log(
  `agent CPU: ${(cpu / requests).toFixed(3)} ms/request, ${(cpu / walks).toFixed(2)} ms per IF-MIB walk ` +
    `(${(requests / walks).toFixed(1)} requests/walk), ${((walks / wallMs) * 1000).toFixed(0)} walks/s wall`,
);
console.log(
  `memory: heap +${mib(started.afterStart.heapUsed - started.before.heapUsed)} MiB, ` +
    `rss +${mib(started.afterStart.rss - started.before.rss)} MiB for ${devices} devices = ` +
    `${((started.afterStart.heapUsed - started.before.heapUsed) / devices / 1024).toFixed(1)} KiB heap, ` +
    `${((started.afterStart.rss - started.before.rss) / devices / 1024).toFixed(1)} KiB rss per device ` +
    `(after the walks: rss ${mib(b.rss)} MiB)`,
);
