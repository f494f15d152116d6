/**
 * What a simulated SNMP device reports, as a pure function of (time, seed): no state, no timers.
 * `model.at(t)` gives a view in which every value is computed from the same instant `t`, so one
 * request (or a test) sees a consistent device, and a test can compute the exact values an agent
 * served at `t`. Counters are integrals of rates that never drop below half their base, so they
 * grow between any two instants a millisecond apart; CPU load moves on a few-minute cycle.
 */

const TWO_32 = 4294967296;
const TWO_PI = 2 * Math.PI;

/** A deterministic hash of integers to [0, 1). */
export function unitHash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 13), 0x297a2d39);
  h ^= h >>> 16;
  return (h >>> 0) / TWO_32;
}

export interface SnmpDeviceModelSpec {
  /** Every derived value (rates, speeds, phases, MAC addresses) comes from this. */
  readonly seed: number;
  readonly sysName: string;
  /** Rows of ifTable/ifXTable, ifIndex 1..interfaces. */
  readonly interfaces: number;
  /** Rows of hrProcessorTable. */
  readonly cpus: number;
  /** Epoch ms the simulated device booted: sysUpTime and counters start here. */
  readonly bootedAt: number;
  readonly sysDescr: string;
  readonly sysContact: string;
  readonly sysLocation: string;
}

export interface InterfaceShape {
  readonly ifIndex: number;
  readonly ifName: string;
  readonly ifDescr: string;
  readonly ifAlias: string;
  /** 6 bytes, locally administered. */
  readonly ifPhysAddress: Buffer;
  /** Mbit/s. */
  readonly ifHighSpeed: number;
  /** bit/s, capped at 2^32-1 as IF-MIB says. */
  readonly ifSpeed: number;
  /** 1 up, 2 down. Down interfaces' counters stopped at {@link DOWN_AFTER_S}. */
  readonly ifOperStatus: 1 | 2;
  /** Base octet rates, bytes/s (the instantaneous rate swings ±50 % around them). */
  readonly inBytesPerSecond: number;
  readonly outBytesPerSecond: number;
  readonly avgPacketBytes: number;
  readonly errorsPerSecond: number;
  readonly discardsPerSecond: number;
  /** Period (s) and phase of the rate swing. */
  readonly periodS: number;
  readonly phase: number;
}

/** Seconds after boot at which a down interface went down (its counters stop there). */
export const DOWN_AFTER_S = 60;

export interface StorageShape {
  readonly index: number;
  readonly typeOid: string;
  readonly descr: string;
  readonly allocationUnits: number;
  readonly size: number;
}

const SPEEDS_MBPS = [100, 1000, 1000, 10000] as const;

function interfaceShape(seed: number, i: number): InterfaceShape {
  const speed = SPEEDS_MBPS[Math.floor(unitHash(seed, i, 1) * SPEEDS_MBPS.length)]!;
  const lineRate = (speed * 1e6) / 8;
  const up = i === 1 || unitHash(seed, i, 2) >= 0.15;
  const errorish = unitHash(seed, i, 7);
  const mac = Buffer.from([
    0x02,
    (seed >>> 16) & 0xff,
    (seed >>> 8) & 0xff,
    seed & 0xff,
    (i >>> 8) & 0xff,
    i & 0xff,
  ]);
  return {
    ifIndex: i,
    ifName: `ether${i}`,
    ifDescr: `ether${i}`,
    ifAlias: i === 1 ? 'uplink → core' : `port ${i}`,
    ifPhysAddress: mac,
    ifHighSpeed: speed,
    ifSpeed: Math.min(speed * 1e6, TWO_32 - 1),
    ifOperStatus: up ? 1 : 2,
    // 0.5 % to 20 % of line rate: at least 62 kB/s, so counters move within a millisecond.
    inBytesPerSecond: lineRate * (0.005 + 0.195 * unitHash(seed, i, 3)),
    outBytesPerSecond: lineRate * (0.005 + 0.195 * unitHash(seed, i, 4)),
    avgPacketBytes: 200 + Math.floor(1200 * unitHash(seed, i, 5)),
    errorsPerSecond: errorish < 0.5 ? 0 : 0.2 * errorish,
    discardsPerSecond: errorish < 0.3 ? 0 : 0.5 * errorish,
    periodS: 120 + Math.floor(480 * unitHash(seed, i, 6)),
    phase: TWO_PI * unitHash(seed, i, 8),
  };
}

/**
 * Octets after `s` seconds at a rate base × (1 + ½ sin(2π s / P + φ)): the closed-form integral,
 * so a counter is exact at any instant without stepping through time.
 */
function integral(base: number, s: number, periodS: number, phase: number): number {
  const swing =
    ((0.5 * periodS) / TWO_PI) * (Math.cos(phase) - Math.cos((TWO_PI * s) / periodS + phase));
  return Math.floor(base * (s + swing));
}

/** The instant-`t` view of one interface's counters. */
export interface InterfaceCounters {
  readonly hcInOctets: number;
  readonly hcOutOctets: number;
  readonly hcInUcastPkts: number;
  readonly hcOutUcastPkts: number;
  readonly hcInMulticastPkts: number;
  readonly hcOutMulticastPkts: number;
  readonly hcInBroadcastPkts: number;
  readonly hcOutBroadcastPkts: number;
  readonly inErrors: number;
  readonly outErrors: number;
  readonly inDiscards: number;
  readonly outDiscards: number;
}

/** A Counter32 view of a 64-bit count (it wraps at 2^32, as a real 32-bit counter does). */
export const counter32 = (n: number): number => n % TWO_32;

/** The device at one instant. Cheap to create; values are computed when asked for. */
export class SnmpDeviceView {
  /** Milliseconds since boot (never negative). */
  readonly uptimeMs: number;
  private readonly counters: (InterfaceCounters | undefined)[] = [];

  constructor(
    readonly model: SnmpDeviceModel,
    readonly t: number,
  ) {
    this.uptimeMs = Math.max(0, t - model.spec.bootedAt);
  }

  /** sysUpTime, hundredths of a second (TimeTicks wrap at 2^32). */
  get sysUpTime(): number {
    return Math.floor(this.uptimeMs / 10) % TWO_32;
  }

  /** Counters of ifIndex `i` (1-based), memoised per view. */
  interface(i: number): InterfaceCounters {
    const cached = this.counters[i];
    if (cached) return cached;
    const shape = this.model.interfaceShape(i);
    const s0 = this.uptimeMs / 1000;
    const s = shape.ifOperStatus === 1 ? s0 : Math.min(s0, DOWN_AFTER_S);
    const inOct = integral(shape.inBytesPerSecond, s, shape.periodS, shape.phase);
    const outOct = integral(shape.outBytesPerSecond, s, shape.periodS, shape.phase + 1);
    const pkt = shape.avgPacketBytes;
    const c: InterfaceCounters = {
      hcInOctets: inOct,
      hcOutOctets: outOct,
      hcInUcastPkts: Math.floor(inOct / pkt),
      hcOutUcastPkts: Math.floor(outOct / pkt),
      hcInMulticastPkts: Math.floor(inOct / (pkt * 40)),
      hcOutMulticastPkts: Math.floor(outOct / (pkt * 60)),
      hcInBroadcastPkts: Math.floor(inOct / (pkt * 200)),
      hcOutBroadcastPkts: Math.floor(outOct / (pkt * 300)),
      inErrors: Math.floor(s * shape.errorsPerSecond),
      outErrors: Math.floor(s * shape.errorsPerSecond * 0.5),
      inDiscards: Math.floor(s * shape.discardsPerSecond),
      outDiscards: Math.floor(s * shape.discardsPerSecond * 0.3),
    };
    this.counters[i] = c;
    return c;
  }

  /** hrProcessorLoad of processor `k` (0-based), percent 0..100, moving on a cycle of minutes. */
  cpuLoad(k: number): number {
    const seed = this.model.spec.seed;
    const s = this.uptimeMs / 1000;
    const period = 180 + 240 * unitHash(seed, k, 11);
    const wave = 30 * Math.sin((TWO_PI * s) / period + TWO_PI * unitHash(seed, k, 12));
    const jitter = 10 * (unitHash(seed, k, Math.floor(s / 10)) - 0.5);
    return Math.max(0, Math.min(100, Math.round(35 + wave + jitter)));
  }

  /** Mean processor load, percent. */
  get cpuLoadAverage(): number {
    let sum = 0;
    for (let k = 0; k < this.model.spec.cpus; k++) sum += this.cpuLoad(k);
    return sum / this.model.spec.cpus;
  }

  /** UCD laLoad for 1, 5 and 15 minutes (`which` 0, 1, 2), as the agent's two-decimal string. */
  loadAverage(which: 0 | 1 | 2): string {
    const smoothing = [1, 0.8, 0.6][which]!;
    const busy = (this.cpuLoadAverage / 100) * this.model.spec.cpus;
    const calm = this.model.spec.cpus * 0.35;
    return (calm + (busy - calm) * smoothing).toFixed(2);
  }

  /** hrStorageUsed of storage row `index` (hrStorageIndex). */
  storageUsed(index: number): number {
    const row = this.model.storage.find((r) => r.index === index);
    if (!row) throw new RangeError(`no hrStorage row ${index}`);
    const seed = this.model.spec.seed;
    const s = this.uptimeMs / 1000;
    const base = 0.3 + 0.3 * unitHash(seed, index, 21);
    const wave = 0.1 * Math.sin((TWO_PI * s) / 600 + TWO_PI * unitHash(seed, index, 22));
    return Math.floor(row.size * (base + wave));
  }
}

export const HR_STORAGE_RAM = '1.3.6.1.2.1.25.2.1.2';
export const HR_STORAGE_VIRTUAL = '1.3.6.1.2.1.25.2.1.3';
export const HR_STORAGE_FIXED_DISK = '1.3.6.1.2.1.25.2.1.4';

/** One simulated device: its fixed shape, and {@link at} for its values at an instant. */
export class SnmpDeviceModel {
  readonly storage: readonly StorageShape[];
  private readonly shapes: InterfaceShape[] = [];

  constructor(readonly spec: SnmpDeviceModelSpec) {
    const ramKiB = 1048576 * (1 + Math.floor(unitHash(spec.seed, 0, 31) * 8));
    this.storage = [
      {
        index: 1,
        typeOid: HR_STORAGE_RAM,
        descr: 'Physical memory',
        allocationUnits: 1024,
        size: ramKiB,
      },
      {
        index: 3,
        typeOid: HR_STORAGE_VIRTUAL,
        descr: 'Virtual memory',
        allocationUnits: 1024,
        size: ramKiB * 2,
      },
      {
        index: 31,
        typeOid: HR_STORAGE_FIXED_DISK,
        descr: '/',
        allocationUnits: 4096,
        size: 8388608,
      },
    ];
  }

  /** The fixed properties of ifIndex `i` (1-based). */
  interfaceShape(i: number): InterfaceShape {
    if (!Number.isInteger(i) || i < 1 || i > this.spec.interfaces) {
      throw new RangeError(`ifIndex ${i} is outside 1..${this.spec.interfaces}`);
    }
    return (this.shapes[i] ??= interfaceShape(this.spec.seed, i));
  }

  /** The device at epoch ms `t`. */
  at(t: number): SnmpDeviceView {
    return new SnmpDeviceView(this, t);
  }
}
