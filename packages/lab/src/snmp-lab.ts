import { systemClock } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { SnmpDeviceModel, unitHash } from './device-model.js';
import { LabConfigError } from './errors.js';
import { SharedMib } from './mib-layout.js';
import { SimulatedSnmpAgent } from './snmp-agent.js';
import type { AgentCounters, AgentCredentials } from './snmp-agent.js';

/** A deliberately broken device, so a poller's breaker and parking have something to show. */
export type SnmpLabFault =
  /** The port is bound but nothing ever answers. */
  | 'unreachable'
  /** The agent accepts other credentials than the ones the lab hands out for it. */
  | 'wrong-credentials'
  /** Every reply leaves `slowMs` after its request. */
  | { readonly slowMs: number };

export interface SnmpLabV3User {
  readonly user: string;
  /** SHA-1 authentication password, at least 8 characters. */
  readonly authKey: string;
  /** AES-128 privacy password, at least 8 characters. */
  readonly privKey: string;
}

export interface SnmpLabDeviceOptions {
  /** Unique; also the device's sysName. */
  readonly name: string;
  /** ifTable/ifXTable rows. @defaultValue 4 */
  readonly interfaces?: number;
  /** hrProcessorTable rows. @defaultValue 2 */
  readonly cpus?: number;
  /** Drives every simulated value. @defaultValue a hash of `name` */
  readonly seed?: number;
  /** v2c community a poller should use. At least one of `community` and `v3` is required. */
  readonly community?: string;
  /** v3 authPriv (SHA/AES) user a poller should use. */
  readonly v3?: SnmpLabV3User;
  readonly fault?: SnmpLabFault;
  /** Fixed UDP port; overrides the lab's `basePort`. */
  readonly port?: number;
  /** @defaultValue the device booted 3 to 40 days before the lab started (from the seed) */
  readonly bootedAt?: number;
  /** @defaultValue "Zürich, Hönggerberg — rack Ø3" (UTF-8 on purpose) */
  readonly sysLocation?: string;
  /** @defaultValue "NOC <noc@lab.invalid>" */
  readonly sysContact?: string;
}

export interface SnmpLabOptions {
  readonly devices: readonly SnmpLabDeviceOptions[];
  /** @defaultValue systemClock */
  readonly clock?: Clock;
  /** Device `i` listens on `basePort + i`; 0 gives each device any free port. @defaultValue 0 */
  readonly basePort?: number;
}

/** What a poller needs to reach one simulated device: the row to seed an inventory with. */
export interface SnmpLabDevice {
  readonly name: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Collector options for the row (no secrets). */
  readonly options:
    | { readonly version: '2c' }
    | {
        readonly version: '3';
        readonly securityLevel: 'authPriv';
        readonly user: string;
        readonly authProtocol: 'sha';
        readonly privProtocol: 'aes';
      };
  /** The credentials row's secret, as the collector reads it. Wrong on purpose for 'wrong-credentials'. */
  readonly secret:
    { readonly community: string } | { readonly authKey: string; readonly privKey: string };
  readonly fault: 'none' | 'unreachable' | 'wrong-credentials' | 'slow';
  /** The reply delay of a 'slow' device, ms (0 otherwise). */
  readonly slowMs: number;
  /** The device's values at any instant: `model.at(t)`. */
  readonly model: SnmpDeviceModel;
  readonly counters: Readonly<AgentCounters>;
}

export const DEFAULT_SYS_LOCATION = 'Zürich, Hönggerberg — rack Ø3';
const MAX_INTERFACES = 10000;
const MAX_CPUS = 64;

function nameSeed(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++)
    h = Math.floor(unitHash(h, name.charCodeAt(i), i) * 0x7fffffff);
  return h;
}

function checkInt(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new LabConfigError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

interface ResolvedDevice {
  readonly options: SnmpLabDeviceOptions;
  readonly model: SnmpDeviceModel;
  readonly slowMs: number;
}

function resolveDevices(options: SnmpLabOptions, now: number): ResolvedDevice[] {
  const names = new Set<string>();
  return options.devices.map((d, i) => {
    const f = `devices[${i}]`;
    if (typeof d.name !== 'string' || d.name === '')
      throw new LabConfigError(`${f}.name`, 'must be a non-empty string');
    if (names.has(d.name))
      throw new LabConfigError(`${f}.name`, `"${d.name}" is used by another device`);
    names.add(d.name);
    if (d.community === undefined && d.v3 === undefined) {
      throw new LabConfigError(f, 'needs a community (v2c) or a v3 user, or both');
    }
    if (d.community !== undefined && d.community === '')
      throw new LabConfigError(`${f}.community`, 'must not be empty');
    if (d.v3) {
      if (d.v3.user === '') throw new LabConfigError(`${f}.v3.user`, 'must not be empty');
      for (const k of ['authKey', 'privKey'] as const) {
        if (typeof d.v3[k] !== 'string' || d.v3[k].length < 8) {
          throw new LabConfigError(
            `${f}.v3.${k}`,
            'must be at least 8 characters (RFC 3414 passwords)',
          );
        }
      }
    }
    let slowMs = 0;
    if (typeof d.fault === 'object')
      slowMs = checkInt(`${f}.fault.slowMs`, d.fault.slowMs, 1, 600000);
    else if (
      d.fault !== undefined &&
      d.fault !== 'unreachable' &&
      d.fault !== 'wrong-credentials'
    ) {
      throw new LabConfigError(
        `${f}.fault`,
        'must be "unreachable", "wrong-credentials" or { slowMs }',
      );
    }
    if (d.port !== undefined) checkInt(`${f}.port`, d.port, 1, 65535);
    const seed = d.seed ?? nameSeed(d.name);
    const model = new SnmpDeviceModel({
      seed,
      sysName: d.name,
      interfaces: checkInt(`${f}.interfaces`, d.interfaces ?? 4, 1, MAX_INTERFACES),
      cpus: checkInt(`${f}.cpus`, d.cpus ?? 2, 1, MAX_CPUS),
      bootedAt: d.bootedAt ?? now - Math.floor((3 + 37 * unitHash(seed, 0, 41)) * 86400000),
      sysDescr: `pollfleet lab simulated SNMP agent (${d.interfaces ?? 4} interfaces)`,
      sysContact: d.sysContact ?? 'NOC <noc@lab.invalid>',
      sysLocation: d.sysLocation ?? DEFAULT_SYS_LOCATION,
    });
    return { options: d, model, slowMs };
  });
}

/** The credentials the agent accepts: the advertised ones, or others for 'wrong-credentials'. */
function accepted(d: SnmpLabDeviceOptions): AgentCredentials {
  const wrong = d.fault === 'wrong-credentials';
  const out: { community?: string; v3?: SnmpLabV3User } = {};
  if (d.community !== undefined) out.community = wrong ? `${d.community}-not` : d.community;
  if (d.v3) {
    out.v3 = wrong
      ? { ...d.v3, authKey: `${d.v3.authKey}-not`, privKey: `${d.v3.privKey}-not` }
      : d.v3;
  }
  return out;
}

/**
 * A fleet of simulated SNMP devices on 127.0.0.1, one UDP port each, served by net-snmp's agent
 * from {@link SnmpDeviceModel}s (no snmpd needed). `start()` binds every port (all or nothing),
 * `stop()` closes them all.
 *
 * A v2c device answers one community; a v3 device one authPriv user (SHA-1/AES-128); a device may
 * have both. `devices()` lists, per device, the host, port, collector options and secret to seed
 * an inventory with.
 */
export class SnmpLab {
  private readonly clock: Clock;
  private readonly basePort: number;
  private readonly resolved: ResolvedDevice[];
  private agents: SimulatedSnmpAgent[] = [];
  private listed: SnmpLabDevice[] = [];
  private state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';

  constructor(options: SnmpLabOptions) {
    this.clock = options.clock ?? systemClock;
    this.basePort = checkInt('basePort', options.basePort ?? 0, 0, 65535);
    if (!Array.isArray(options.devices) || options.devices.length === 0) {
      throw new LabConfigError('devices', 'must list at least one device');
    }
    if (this.basePort > 0)
      checkInt('devices.length', options.devices.length, 1, 65536 - this.basePort);
    this.resolved = resolveDevices(options, this.clock.now());
  }

  /** Binds every device's port; if one fails, closes the others and throws its LabBindError. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`SnmpLab.start() called while ${this.state}`);
    this.state = 'starting';
    const mibs = new Map<string, SharedMib>();
    const started = await Promise.allSettled(
      this.resolved.map((r, i) => {
        const shapeKey = `${r.model.spec.interfaces}/${r.model.spec.cpus}`;
        let mib = mibs.get(shapeKey);
        if (!mib) mibs.set(shapeKey, (mib = new SharedMib(r.model)));
        return SimulatedSnmpAgent.start({
          model: r.model,
          mib,
          clock: this.clock,
          port: r.options.port ?? (this.basePort > 0 ? this.basePort + i : 0),
          accept: accepted(r.options),
          silent: r.options.fault === 'unreachable',
          delayMs: r.slowMs,
        });
      }),
    );
    const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((a) => a.stop()));
      this.state = 'stopped';
      throw failed.reason;
    }
    this.agents = ok;
    this.listed = this.resolved.map((r, i) => this.describe(r, ok[i]!));
    this.state = 'running';
  }

  private describe(r: ResolvedDevice, agent: SimulatedSnmpAgent): SnmpLabDevice {
    const d = r.options;
    const fault = d.fault === undefined ? 'none' : typeof d.fault === 'object' ? 'slow' : d.fault;
    const v3 = d.v3;
    return {
      name: d.name,
      host: '127.0.0.1',
      port: agent.port,
      options: v3
        ? {
            version: '3',
            securityLevel: 'authPriv',
            user: v3.user,
            authProtocol: 'sha',
            privProtocol: 'aes',
          }
        : { version: '2c' },
      secret: v3 ? { authKey: v3.authKey, privKey: v3.privKey } : { community: d.community! },
      fault,
      slowMs: r.slowMs,
      model: r.model,
      counters: agent.counters,
    };
  }

  /** The running devices, in the order given. Empty before start(). */
  devices(): readonly SnmpLabDevice[] {
    return this.listed;
  }

  /** One running device by name. */
  device(name: string): SnmpLabDevice {
    const d = this.listed.find((x) => x.name === name);
    if (!d) throw new LabConfigError('name', `no running lab device "${name}"`);
    return d;
  }

  /** Closes every socket and cancels every delayed reply. Safe to call twice. */
  async stop(): Promise<void> {
    const agents = this.agents;
    this.agents = [];
    this.state = 'stopped';
    await Promise.all(agents.map((a) => a.stop()));
  }
}
