import { systemClock } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { unitHash } from '../device-model.js';
import { LabBindError, LabConfigError } from '../errors.js';
import { generateSelfSignedCertificate } from './certificate.js';
import type { SelfSignedCertificate } from './certificate.js';
import type { SimulatedInterface } from './router-model.js';
import { SimulatedRouter } from './simulator.js';
import type { SimulatorFaults } from './simulator.js';

/** A deliberately broken router, so a poller's breaker and parking have something to show. */
export type RouterOsLabFault =
  /** Connections are accepted and then never read nor answered (a router that is gone). */
  | 'unreachable'
  /** The router's password differs from the one the lab hands out: every login is refused. */
  | 'wrong-credentials'
  /** Every reply, the login's included, leaves `slowMs` after its request. */
  | { readonly slowMs: number };

export interface RouterOsLabCredentials {
  readonly username: string;
  readonly password: string;
}

/** What the lab's routers accept unless a router says otherwise. */
export const LAB_ROUTEROS_CREDENTIALS: RouterOsLabCredentials = {
  username: 'labmon',
  password: 'lab-router-pass',
};

export interface RouterOsLabRouterOptions {
  /** Unique; also the router's `/system/identity`. */
  readonly name: string;
  /** As `/system/resource` prints it, e.g. '6.49.10' or '7.18.2' (6.43 at least). @defaultValue '7.18.2' */
  readonly version?: string;
  /** `api-ssl` serves the API over TLS with the lab's self-signed certificate. @defaultValue 'api' */
  readonly transport?: 'api' | 'api-ssl';
  /** Ethernet interfaces. @defaultValue 4 */
  readonly interfaces?: number;
  /** Drives traffic rates, CPU load and MACs. @defaultValue a hash of `name` */
  readonly seed?: number;
  /** @defaultValue {@link LAB_ROUTEROS_CREDENTIALS} */
  readonly credentials?: RouterOsLabCredentials;
  readonly fault?: RouterOsLabFault;
  /** Fixed TCP port; overrides the lab's `basePort`. */
  readonly port?: number;
}

export interface RouterOsLabOptions {
  readonly routers: readonly RouterOsLabRouterOptions[];
  /** Time for uptime, counters, CPU load and slow replies. @defaultValue systemClock */
  readonly clock?: Clock;
  /** Router `i` listens on `basePort + i`; 0 gives each router any free port. @defaultValue 0 */
  readonly basePort?: number;
  /** The api-ssl routers' certificate. @defaultValue one made at start() */
  readonly certificate?: SelfSignedCertificate;
}

/** What a poller needs to reach one simulated router: the row to seed an inventory with. */
export interface RouterOsLabDevice {
  readonly name: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The row's collector options (no secrets); api-ssl pins the lab certificate's fingerprint. */
  readonly options:
    | { readonly transport: 'api' }
    | {
        readonly transport: 'api-ssl';
        readonly tls: { readonly mode: 'fingerprint'; readonly fingerprint: string };
      };
  /** The credentials row's secret, as the collector reads it. Wrong on purpose for 'wrong-credentials'. */
  readonly secret: RouterOsLabCredentials;
  readonly fault: 'none' | 'unreachable' | 'wrong-credentials' | 'slow';
  /** The reply delay of a 'slow' router, ms (0 otherwise). */
  readonly slowMs: number;
  readonly version: string;
  /** The running router: `model.print(path)`, `stats`, and `faults` to change at any time. */
  readonly router: SimulatedRouter;
}

const MAX_INTERFACES = 512;

function checkInt(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new LabConfigError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

function nameSeed(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++)
    h = Math.floor(unitHash(h, name.charCodeAt(i), i) * 0x7fffffff);
  return h;
}

/** `count` ethernet ports: 0.5–20 % of 1 Gbit/s each, about one in seven down. */
function labInterfaces(count: number, seed: number): SimulatedInterface[] {
  return Array.from({ length: count }, (_, n) => {
    const running = n === 0 || unitHash(seed, n, 3) >= 1 / 7;
    const mac = [0x4c, 0x5e, 0x0c, seed & 0xff, (n >> 8) & 0xff, n & 0xff]
      .map((b) => b.toString(16).toUpperCase().padStart(2, '0'))
      .join(':');
    return {
      name: `ether${n + 1}`,
      type: 'ether',
      mtu: 1500,
      mac,
      running,
      disabled: false,
      rxBytesPerSecond: running ? Math.round(125e6 * (0.005 + 0.195 * unitHash(seed, n, 4))) : 0,
    };
  });
}

interface Resolved {
  readonly o: RouterOsLabRouterOptions;
  readonly version: string;
  readonly transport: 'api' | 'api-ssl';
  readonly seed: number;
  readonly credentials: RouterOsLabCredentials;
  readonly slowMs: number;
}

function resolve(options: RouterOsLabOptions): Resolved[] {
  const names = new Set<string>();
  return options.routers.map((r, i) => {
    const f = `routers[${i}]`;
    if (typeof r.name !== 'string' || r.name === '')
      throw new LabConfigError(`${f}.name`, 'must be a non-empty string');
    if (names.has(r.name))
      throw new LabConfigError(`${f}.name`, `"${r.name}" is used by another router`);
    names.add(r.name);
    const version = r.version ?? '7.18.2';
    const m = /^(\d+)\.(\d+)(\.\d+)?$/.exec(version);
    if (!m || Number(m[1]) < 6 || (Number(m[1]) === 6 && Number(m[2]) < 43)) {
      throw new LabConfigError(
        `${f}.version`,
        `"${version}" is not a RouterOS version from 6.43 on (e.g. "6.49.10", "7.18.2")`,
      );
    }
    const transport = r.transport ?? 'api';
    if (transport !== 'api' && transport !== 'api-ssl')
      throw new LabConfigError(`${f}.transport`, 'must be "api" or "api-ssl"');
    const credentials = r.credentials ?? LAB_ROUTEROS_CREDENTIALS;
    if (!credentials.username || !credentials.password)
      throw new LabConfigError(`${f}.credentials`, 'needs a non-empty username and password');
    let slowMs = 0;
    if (typeof r.fault === 'object')
      slowMs = checkInt(`${f}.fault.slowMs`, r.fault.slowMs, 1, 600000);
    else if (
      r.fault !== undefined &&
      r.fault !== 'unreachable' &&
      r.fault !== 'wrong-credentials'
    ) {
      throw new LabConfigError(
        `${f}.fault`,
        'must be "unreachable", "wrong-credentials" or { slowMs }',
      );
    }
    if (r.port !== undefined) checkInt(`${f}.port`, r.port, 1, 65535);
    checkInt(`${f}.interfaces`, r.interfaces ?? 4, 1, MAX_INTERFACES);
    if (r.seed !== undefined) checkInt(`${f}.seed`, r.seed, 0, 0x7fffffff);
    return { o: r, version, transport, seed: r.seed ?? nameSeed(r.name), credentials, slowMs };
  });
}

/**
 * A fleet of simulated MikroTik routers on 127.0.0.1, one TCP port each, speaking the RouterOS
 * API (plain, or api-ssl with a self-signed certificate) as RouterOS 6.49 or 7.18 does.
 * `start()` binds every port (all or nothing), `stop()` closes them all; `devices()` lists the
 * rows to seed an inventory with. Mirrors {@link SnmpLab}.
 */
export class RouterOsLab {
  private readonly clock: Clock;
  private readonly basePort: number;
  private readonly resolved: Resolved[];
  private certificate: SelfSignedCertificate | undefined;
  private routers: SimulatedRouter[] = [];
  private listed: RouterOsLabDevice[] = [];
  private state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';

  constructor(options: RouterOsLabOptions) {
    this.clock = options.clock ?? systemClock;
    this.basePort = checkInt('basePort', options.basePort ?? 0, 0, 65535);
    if (!Array.isArray(options.routers) || options.routers.length === 0) {
      throw new LabConfigError('routers', 'must list at least one router');
    }
    if (this.basePort > 0)
      checkInt('routers.length', options.routers.length, 1, 65536 - this.basePort);
    this.resolved = resolve(options);
    this.certificate = options.certificate;
  }

  /** Binds every router's port; if one fails, closes the others and throws its LabBindError. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`RouterOsLab.start() called while ${this.state}`);
    this.state = 'starting';
    if (this.resolved.some((r) => r.transport === 'api-ssl')) {
      this.certificate ??= generateSelfSignedCertificate('pollfleet-lab-router');
    }
    const cert = this.certificate;
    const now = () => this.clock.now();
    const started = await Promise.allSettled(
      this.resolved.map(async (r, i) => {
        const port = r.o.port ?? (this.basePort > 0 ? this.basePort + i : 0);
        const { username, password } = r.credentials;
        const faults: SimulatorFaults =
          r.o.fault === 'unreachable'
            ? { hangAfterAccept: true }
            : r.slowMs > 0
              ? { slowReplyMs: r.slowMs }
              : {};
        const options = {
          version: r.version,
          identity: r.o.name,
          seed: r.seed,
          interfaces: labInterfaces(r.o.interfaces ?? 4, r.seed),
          users: {
            [username]: {
              password: r.o.fault === 'wrong-credentials' ? `${password}-not` : password,
            },
          },
          faults,
        };
        const tlsOptions = r.transport === 'api-ssl' && cert ? cert : undefined;
        try {
          return await SimulatedRouter.listen(
            '127.0.0.1',
            port,
            options,
            now,
            tlsOptions,
            'api',
            this.clock,
          );
        } catch (err) {
          throw new LabBindError(port, err, 'a simulated RouterOS router');
        }
      }),
    );
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((r) => r.close()));
      this.state = 'stopped';
      throw failed.reason;
    }
    this.routers = ok;
    this.listed = this.resolved.map((r, i) => this.describe(r, ok[i]!));
    this.state = 'running';
  }

  private describe(r: Resolved, router: SimulatedRouter): RouterOsLabDevice {
    const fault =
      r.o.fault === undefined ? 'none' : typeof r.o.fault === 'object' ? 'slow' : r.o.fault;
    return {
      name: r.o.name,
      host: '127.0.0.1',
      port: router.port,
      options:
        r.transport === 'api-ssl'
          ? {
              transport: 'api-ssl',
              tls: { mode: 'fingerprint', fingerprint: this.certificate!.fingerprint256 },
            }
          : { transport: 'api' },
      secret: { ...r.credentials },
      fault,
      slowMs: r.slowMs,
      version: r.version,
      router,
    };
  }

  /** The running routers, in the order given. Empty before start(). */
  devices(): readonly RouterOsLabDevice[] {
    return this.listed;
  }

  /** One running router by name. */
  device(name: string): RouterOsLabDevice {
    const d = this.listed.find((x) => x.name === name);
    if (!d) throw new LabConfigError('name', `no running lab router "${name}"`);
    return d;
  }

  /** The api-ssl routers' certificate (undefined before start() when none was given). */
  get tlsCertificate(): SelfSignedCertificate | undefined {
    return this.certificate;
  }

  /** Closes every socket and cancels every delayed reply. Safe to call twice. */
  async stop(): Promise<void> {
    const routers = this.routers;
    this.routers = [];
    this.listed = [];
    this.state = 'stopped';
    await Promise.all(routers.map((r) => r.close()));
  }
}

/**
 * The demo's routers: healthy RouterOS 7 and 6 on the plain API, RouterOS 7 on api-ssl, and one
 * of each broken kind. `slowMs` should exceed the timeout the demo gives the slow router's row.
 */
export function demoRouterOsDevices(slowMs = 15000): RouterOsLabRouterOptions[] {
  return [
    { name: 'lab-router-1', version: '7.18.2', interfaces: 8 },
    { name: 'lab-router-2', version: '6.49.10', interfaces: 5 },
    { name: 'lab-router-tls-1', version: '7.18.2', transport: 'api-ssl', interfaces: 4 },
    { name: 'lab-router-down-1', fault: 'unreachable' },
    { name: 'lab-router-badpass-1', version: '7.18.2', fault: 'wrong-credentials' },
    { name: 'lab-router-slow-1', version: '6.49.10', fault: { slowMs } },
  ];
}

/** `count` healthy routers for trials: RouterOS 7 on the plain API, every 3rd 6.49, every 5th api-ssl. */
export function generatedRouterOsDevices(
  count: number,
  interfaces = 8,
): RouterOsLabRouterOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `lab-ros-${String(i + 1).padStart(4, '0')}`,
    version: i % 3 === 2 ? '6.49.10' : '7.18.2',
    transport: i % 5 === 4 ? ('api-ssl' as const) : ('api' as const),
    interfaces,
    seed: i + 1,
  }));
}
