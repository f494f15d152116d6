import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireServices } from '../test-services.js';

/** Users and community the generated config creates; tests pass these as credentials. */
export const SNMP_AGENT_SECRETS = {
  community: 'pf-community-7f3a',
  authKey: 'pf-auth-key-91c2e',
  privKey: 'pf-priv-key-44d8b',
} as const;

export const SNMP_AGENT_USERS = {
  noAuthNoPriv: 'pfnoauth',
  /** SHA-256 auth. */
  authNoPriv: 'pfauth',
  /** SHA-256 auth, AES-128 privacy. */
  authPriv: 'pfpriv',
  /** SHA-1 auth, DES privacy: older agents. */
  authPrivShaDes: 'pfprivdes',
} as const;

/** Arguments for the C tools (snmpget, snmpbulkwalk) matching the users above. */
export const SNMP_AGENT_TOOL_AUTH = {
  v2c: ['-v2c', '-c', SNMP_AGENT_SECRETS.community],
  /** SHA-256 auth, AES-128 privacy: the `authPriv` user. */
  authPriv: [
    '-v3',
    '-l',
    'authPriv',
    '-u',
    SNMP_AGENT_USERS.authPriv,
    '-a',
    'SHA-256',
    '-A',
    SNMP_AGENT_SECRETS.authKey,
    '-x',
    'AES',
    '-X',
    SNMP_AGENT_SECRETS.privKey,
  ],
} as const;

/** Where the agent listens: IPv4 `127.0.0.1` or IPv6 `::1`, on the same port. */
export type SnmpAgentTransport = 'udp4' | 'udp6';
const LOOPBACK: Record<SnmpAgentTransport, '127.0.0.1' | '::1'> = {
  udp4: '127.0.0.1',
  udp6: '::1',
};

export interface SnmpAgent {
  /** The address of the first transport listened on. */
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  /** `port` and the `extraPorts` the agent also answers on (udp4), one per simulated device. */
  readonly ports: readonly number[];
  /** The snmpd process id (tests SIGSTOP/SIGCONT it to simulate a hung agent). */
  readonly pid: number;
  /**
   * Stops and starts snmpd again on the same port. By default it keeps its persistent state, as
   * a rebooted device does: the same engine id, snmpEngineBoots + 1, snmpEngineTime from 0.
   * `freshEngine` wipes that state first, as a replacement device would have: a new engine id
   * (unless `engineId` fixes it) and snmpEngineBoots back to 1.
   */
  restart(options?: { freshEngine?: boolean }): Promise<void>;
  /** Environment for running the C tools without MIB noise. */
  readonly toolEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface StartSnmpAgentOptions {
  /** Extra snmpd.conf lines. */
  extraConfig?: string[];
  /** Loopback addresses to listen on (one port): `udp4` is 127.0.0.1, `udp6` is ::1. @defaultValue ['udp4'] */
  listen?: readonly SnmpAgentTransport[];
  /**
   * Text the engine id is built from (snmpd `engineID`), so two agents can share one (a cloned
   * configuration). @defaultValue none: snmpd makes a random one, kept across restarts
   */
  engineId?: string;
  /**
   * More UDP ports (127.0.0.1) the same agent answers on, so a benchmark can give each simulated
   * device its own endpoint as in a real fleet. @defaultValue 0
   */
  extraPorts?: number;
  /**
   * Restricts what the community and every user can read to these subtrees (snmpd `view`
   * lines). The system group is always included (the agent's readiness check reads sysUpTime).
   * With `proc`/`disk` lines in `extraConfig` and their UCD tables in view, a test sees the same
   * tables on any host, whatever its interfaces, disks or CPUs. Subtrees only: snmpd 5.9 spins at
   * full CPU on a GETBULK through a view with a mask. @defaultValue everything the agent has
   */
  view?: readonly string[];
}

/** A free UDP port on loopback (bind to 0, read, close). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Sends one v2c GET of sysUpTime to loopback over `transport` and waits up to `ms` for any reply. */
async function answers(
  transport: SnmpAgentTransport,
  port: number,
  community: string,
  ms: number,
): Promise<boolean> {
  // Hand-encoded v2c GET 1.3.6.1.2.1.1.3.0, so the helper does not depend on the collector.
  const c = Buffer.from(community, 'latin1');
  const varbind = Buffer.from([0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 3, 0, 0x05, 0x00]);
  const vbl = Buffer.concat([Buffer.from([0x30, varbind.length]), varbind]);
  const pduBody = Buffer.concat([
    Buffer.from([0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]),
    vbl,
  ]);
  const pdu = Buffer.concat([Buffer.from([0xa0, pduBody.length]), pduBody]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x04, c.length]), c, pdu]);
  const msg = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  const s = createSocket(transport);
  try {
    return await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      s.on('error', () => {
        clearTimeout(t);
        resolve(false);
      });
      s.on('message', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.send(msg, port, LOOPBACK[transport]);
    });
  } finally {
    s.close();
  }
}

/**
 * Starts a real, unprivileged `snmpd` on a free loopback UDP port with a generated config: a
 * v2c community and one v3 user per security level ({@link SNMP_AGENT_USERS}). Resolves once
 * the agent answers.
 */
export async function startSnmpAgent(options: StartSnmpAgentOptions = {}): Promise<SnmpAgent> {
  requireServices('snmpd (startSnmpAgent)');
  const dir = await mkdtemp(join(tmpdir(), 'pollfleet-snmpd-'));
  const persist = join(dir, 'persist');
  await mkdir(persist);
  // snmpd writes engineBoots and oldEngineID here on exit. -C keeps it from reading the host's
  // config files, and with them this one: it is named after -c instead (it must exist).
  const persistFile = join(persist, 'snmpd.conf');
  await writeFile(persistFile, '');
  if (options.engineId !== undefined && !/^[A-Za-z0-9_.-]{1,27}$/.test(options.engineId)) {
    throw new Error('engineId: 1 to 27 of [A-Za-z0-9_.-]');
  }
  const { community, authKey, privKey } = SNMP_AGENT_SECRETS;
  const u = SNMP_AGENT_USERS;
  const listen = options.listen ?? ['udp4'];
  if (listen.length === 0) throw new Error('startSnmpAgent: listen names no transport');
  for (const v of options.view ?? []) {
    if (!/^\.?[0-9]+(\.[0-9]+)*$/.test(v)) {
      throw new Error(`view "${v}": not a numeric OID (subtrees only)`);
    }
  }
  const views = options.view
    ? ['1.3.6.1.2.1.1', ...options.view].map((v) => `view pfview included ${v}`)
    : [];
  const v = options.view ? ' -V pfview' : '';
  const conf = [
    `[snmp] persistentDir ${persist}`,
    ...views,
    ...(listen.includes('udp4') ? [`rocommunity ${community} 127.0.0.1${v}`] : []),
    ...(listen.includes('udp6') ? [`rocommunity6 ${community} ::1${v}`] : []),
    ...(options.engineId === undefined ? [] : [`engineID ${options.engineId}`]),
    `createUser ${u.noAuthNoPriv}`,
    `createUser ${u.authNoPriv} SHA-256 ${authKey}`,
    `createUser ${u.authPriv} SHA-256 ${authKey} AES ${privKey}`,
    `createUser ${u.authPrivShaDes} SHA ${authKey} DES ${privKey}`,
    `rouser ${u.noAuthNoPriv} noauth${v}`,
    `rouser ${u.authNoPriv} auth${v}`,
    `rouser ${u.authPriv} priv${v}`,
    `rouser ${u.authPrivShaDes} priv${v}`,
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
  const confFile = join(dir, 'snmpd.conf');
  await writeFile(confFile, conf);
  const confFiles = `${confFile},${persistFile}`;
  const toolEnv: NodeJS.ProcessEnv = { ...process.env, MIBS: '', MIBDIRS: join(dir, 'no-mibs') };

  const env = { ...toolEnv, SNMPCONFPATH: dir };
  for (let attempt = 0; ; attempt++) {
    const port = await freeUdpPort();
    const extraPorts: number[] = [];
    while (extraPorts.length < (options.extraPorts ?? 0)) {
      const p = await freeUdpPort();
      if (p !== port && !extraPorts.includes(p)) extraPorts.push(p);
    }
    const at: Listen = { port, transports: listen, extraPorts };
    let proc = await launch(confFiles, dir, at, env, community);
    if (proc) {
      return {
        host: LOOPBACK[listen[0]!],
        port,
        ports: [port, ...extraPorts],
        get pid() {
          return proc?.child.pid ?? -1;
        },
        toolEnv,
        async restart(o = {}) {
          if (proc) await proc.stop();
          if (o.freshEngine) await writeFile(persistFile, '');
          for (
            let i = 0;
            i < 20 && !(proc = await launch(confFiles, dir, at, env, community));
            i++
          ) {
            await sleep(100);
          }
          if (!proc) throw new Error('snmpd did not restart');
        },
        async stop() {
          if (proc) await proc.stop();
          proc = undefined;
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt >= 2) {
      await rm(dir, { recursive: true, force: true });
      throw new Error('snmpd did not start');
    }
    await sleep(100);
  }
}

interface Launched {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

interface Listen {
  readonly port: number;
  readonly transports: readonly SnmpAgentTransport[];
  readonly extraPorts: readonly number[];
}

/** Starts snmpd on `at` (`confFiles`: comma-separated); undefined when it exits or does not answer within ~10 s. */
async function launch(
  confFiles: string,
  dir: string,
  at: Listen,
  env: NodeJS.ProcessEnv,
  community: string,
): Promise<Launched | undefined> {
  const endpoints = [
    ...at.transports.map((t) =>
      t === 'udp6' ? `udp6:[::1]:${at.port}` : `udp:127.0.0.1:${at.port}`,
    ),
    ...at.extraPorts.map((p) => `udp:127.0.0.1:${p}`),
  ];
  const child: ChildProcess = spawn(
    '/usr/sbin/snmpd',
    ['-f', '-Lo', '-C', '-c', confFiles, '-p', join(dir, 'snmpd.pid'), ...endpoints],
    { env, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', () => ((exited = true), resolve())),
  );
  child.once('error', () => undefined);
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitedP;
    clearTimeout(t);
  };
  const ready = async (): Promise<boolean> => {
    for (const t of at.transports) if (!(await answers(t, at.port, community, 200))) return false;
    return true;
  };
  for (let i = 0; i < 50 && !exited; i++) {
    if (await ready()) return { child, stop };
  }
  await stop();
  return undefined;
}
