/**
 * What a simulated router knows and how it prints it, in the shape of RouterOS 6.49 or 7.18+.
 * Counters grow with the simulator's time source, so two polls see a rate.
 */
import { unitHash } from '../device-model.js';

export interface SimulatedInterface {
  readonly name: string;
  readonly type: string;
  readonly mtu: number;
  readonly mac: string;
  readonly running: boolean;
  readonly disabled: boolean;
  /** Receive rate in bytes per second (transmit is half). */
  readonly rxBytesPerSecond: number;
}

/** One health sensor; printed as a property (RouterOS 6) or an item with `type` (7). */
export interface SimulatedSensor {
  readonly name: string;
  readonly value: string;
  /** What RouterOS 7 prints as `type` (`C`, `V`, `RPM`...); empty for states. */
  readonly type: string;
}

export interface RouterModelOptions {
  /**
   * RouterOS version string as `/system/resource` prints it, without the channel.
   * Below 6.43 the router answers the login with a challenge (`=ret=`), like old RouterOS.
   * @defaultValue '7.18.2'
   */
  version?: string;
  /** @defaultValue 'sim-<port>' */
  identity?: string;
  /**
   * false makes it a CHR/x86 (`/system/routerboard` prints `routerboard=false`).
   * @defaultValue true
   */
  routerboard?: boolean;
  /**
   * Health sensors (none on a CHR whatever this says).
   * @defaultValue voltage, temperature, cpu-temperature, fan1-speed, psu1-state
   */
  sensors?: readonly SimulatedSensor[];
  /** @defaultValue 4 ethernet interfaces */
  interfaces?: readonly SimulatedInterface[];
  /**
   * Users and passwords; a user with `api: false` lacks the api policy.
   * @defaultValue `{ admin: { password: 'secret' } }`
   */
  users?: Readonly<Record<string, { password: string; api?: boolean }>>;
  /**
   * Set, traffic and CPU load move like a real router's (the lab's routers): each interface's
   * rate swings ±50 % around its `rxBytesPerSecond` on its own 2–8 minute cycle (counters are the
   * closed-form integral, so they still grow every instant), and `cpu-load` follows a 3–7 minute
   * cycle between about 5 and 65 % with a 10 s jitter, all from this seed. Unset: constant rates
   * and `cpu-load` = uptime seconds mod 40, which tests compute exactly.
   */
  seed?: number;
}

export type Item = Record<string, string>;

/** Parsed major.minor for behaviour switches. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function defaultInterfaces(): SimulatedInterface[] {
  return Array.from({ length: 4 }, (_, i) => ({
    name: `ether${i + 1}`,
    type: 'ether',
    mtu: 1500,
    mac: `4C:5E:0C:00:00:0${i + 1}`,
    running: i < 3,
    disabled: i === 3,
    rxBytesPerSecond: 125_000 * (i + 1),
  }));
}

const DEFAULT_SENSORS: readonly SimulatedSensor[] = [
  { name: 'voltage', value: '24.1', type: 'V' },
  { name: 'temperature', value: '35', type: 'C' },
  { name: 'cpu-temperature', value: '48', type: 'C' },
  { name: 'fan1-speed', value: '3000', type: 'RPM' },
  { name: 'psu1-state', value: 'ok', type: '' },
];

function formatUptime(totalSeconds: number, v7: boolean): string {
  let s = Math.floor(totalSeconds);
  const w = Math.floor(s / 604800);
  s -= w * 604800;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const head = `${w ? `${w}w` : ''}${d ? `${d}d` : ''}`;
  if (v7) return `${head}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${head}${pad(h)}:${pad(m)}:${pad(s)}`;
}

export class RouterModel {
  readonly version: string;
  readonly identity: string;
  readonly routerboard: boolean;
  readonly interfaces: readonly SimulatedInterface[];
  readonly sensors: readonly SimulatedSensor[];
  readonly users: Readonly<Record<string, { password: string; api?: boolean }>>;
  readonly v7: boolean;
  readonly seed: number | undefined;
  readonly #now: () => number;
  #bootedAt: number;
  /** Multiplies every interface's rate since the last {@link reboot}. */
  #trafficScale = 1;

  constructor(options: RouterModelOptions, port: number, now: () => number) {
    this.version = options.version ?? '7.18.2';
    this.identity = options.identity ?? `sim-${port}`;
    this.routerboard = options.routerboard ?? true;
    this.interfaces = options.interfaces ?? defaultInterfaces();
    this.sensors = options.sensors ?? DEFAULT_SENSORS;
    this.users = options.users ?? { admin: { password: 'secret' } };
    this.v7 = versionAtLeast(this.version, 7, 0);
    this.seed = options.seed;
    this.#now = now;
    // Booted 1w2d03:04:05 before the simulator started.
    this.#bootedAt = now() - (9 * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000;
  }

  /**
   * Restarts the router: uptime and counters start again from zero, as if it had booted
   * `uptimeSeconds` ago (default 0) and carried `trafficScale` times each interface's rate since.
   * A scale above 1 lets counters end above what they read before the reboot.
   */
  reboot(o: { uptimeSeconds?: number; trafficScale?: number } = {}): void {
    this.#bootedAt = this.#now() - (o.uptimeSeconds ?? 0) * 1000;
    this.#trafficScale = o.trafficScale ?? 1;
  }

  get legacyLogin(): boolean {
    return !versionAtLeast(this.version, 6, 43);
  }

  /** RouterOS 7.18 added `!empty` for a print with nothing to print. */
  get sendsEmpty(): boolean {
    return versionAtLeast(this.version, 7, 18);
  }

  #uptimeSeconds(): number {
    return (this.#now() - this.#bootedAt) / 1000;
  }

  /** Items of a print command, or undefined for an unknown command. */
  print(path: string): Item[] | undefined {
    switch (path) {
      case '/system/resource':
        return [this.#resource()];
      case '/system/identity':
        return [{ name: this.identity }];
      case '/system/routerboard':
        return [this.#routerboard()];
      case '/system/health':
        return this.#health();
      case '/interface':
        return this.#interfaces();
      case '/ip/address':
        return [
          {
            '.id': '*1',
            address: '192.0.2.1/24',
            network: '192.0.2.0',
            interface: 'ether1',
            disabled: 'false',
            dynamic: 'false',
          },
          {
            '.id': '*2',
            address: '198.51.100.1/24',
            network: '198.51.100.0',
            interface: 'ether2',
            disabled: 'false',
            dynamic: 'false',
          },
        ];
      case '/ppp/active':
        return [];
      case '/interface/wireless/registration-table':
        if (this.v7) return undefined; // the wireless package is gone in 7 (wifi replaces it)
        return [
          {
            '.id': '*1',
            interface: 'wlan1',
            'mac-address': '00:11:22:33:44:55',
            'signal-strength': '-61@HT20-7',
            'tx-rate': '65Mbps',
            uptime: '1h2m3s',
          },
        ];
      default:
        return undefined;
    }
  }

  #resource(): Item {
    const v7 = this.v7;
    return {
      uptime: formatUptime(this.#uptimeSeconds(), v7),
      version: `${this.version} (${v7 ? 'stable' : 'long-term'})`,
      'build-time': v7 ? '2025-03-10 12:00:00' : 'Jun/01/2023 10:00:00',
      'factory-software': v7 ? '7.1' : '6.44',
      'free-memory': v7 ? '823132160' : '34500608',
      'total-memory': v7 ? '1073741824' : '67108864',
      cpu: v7 ? 'ARM64' : 'MIPS 24Kc V7.4',
      'cpu-count': v7 ? '4' : '1',
      'cpu-frequency': v7 ? '1400' : '650',
      'cpu-load': String(this.#cpuLoad()),
      'free-hdd-space': v7 ? '940572672' : '110436352',
      'total-hdd-space': v7 ? '1073741824' : '134217728',
      'architecture-name': v7 ? 'arm64' : 'mipsbe',
      'board-name': v7 ? 'RB5009UG+S+' : 'RB951Ui-2HnD',
      platform: 'MikroTik',
    };
  }

  #cpuLoad(): number {
    const up = this.#uptimeSeconds();
    if (this.seed === undefined) return Math.floor(up) % 40;
    const t = this.#now() / 1000;
    const period = 180 + 240 * unitHash(this.seed, 0, 7);
    const wave = Math.sin((2 * Math.PI * t) / period + 6.283 * unitHash(this.seed, 0, 8));
    const jitter = 10 * unitHash(this.seed, Math.floor(t / 10), 9);
    return Math.max(0, Math.min(100, Math.round(30 + 25 * wave + jitter)));
  }

  /** Bytes received by interface `n` in the `t` seconds since boot (at its base rate × scale). */
  #rxBytes(n: number, base: number, t: number): number {
    const rate = base * this.#trafficScale;
    if (this.seed === undefined) return rate * t;
    // rate(x) = rate · (1 + ½ sin(ωx + φ)); its integral from 0 to t:
    const omega = (2 * Math.PI) / (120 + 360 * unitHash(this.seed, n, 11));
    const phi = 6.283 * unitHash(this.seed, n, 12);
    return rate * (t + (Math.cos(phi) - Math.cos(omega * t + phi)) / (2 * omega));
  }

  #routerboard(): Item {
    if (!this.routerboard) return { routerboard: 'false' };
    return {
      routerboard: 'true',
      model: this.v7 ? 'RB5009UG+S+' : 'RB951Ui-2HnD',
      'serial-number': 'HD1234567',
      'firmware-type': this.v7 ? 'mv7040' : 'ar9344',
      'factory-firmware': this.v7 ? '7.1' : '3.41',
      'current-firmware': this.version,
      'upgrade-firmware': this.version,
    };
  }

  #health(): Item[] {
    if (!this.routerboard) return [];
    if (!this.v7) return [Object.fromEntries(this.sensors.map((x) => [x.name, x.value]))];
    return this.sensors.map((x, i) => ({
      '.id': `*${i + 1}`,
      name: x.name,
      value: x.value,
      type: x.type,
    }));
  }

  #interfaces(): Item[] {
    const t = (this.#now() - this.#bootedAt) / 1000;
    return this.interfaces.map((i, n) => {
      const rx = Math.floor(this.#rxBytes(n, i.rxBytesPerSecond, t));
      const tx = Math.floor(this.#rxBytes(n, i.rxBytesPerSecond, t) / 2);
      return {
        '.id': `*${n + 1}`,
        name: i.name,
        type: i.type,
        mtu: String(i.mtu),
        'actual-mtu': String(i.mtu),
        'mac-address': i.mac,
        running: String(i.running),
        disabled: String(i.disabled),
        'rx-byte': String(rx),
        'tx-byte': String(tx),
        'rx-packet': String(Math.floor(rx / 1000)),
        'tx-packet': String(Math.floor(tx / 1000)),
        'rx-error': '0',
        'tx-error': '1',
        'rx-drop': '2',
        'tx-drop': '0',
        'tx-queue-drop': '0',
        'link-downs': String(n),
      };
    });
  }
}
