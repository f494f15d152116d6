/**
 * RouterOS prints every value as a string, with differences between 6 and 7 (uptime notation,
 * health layout). These functions turn them into numbers and booleans with fixed units, so
 * consumers see one shape whatever the version.
 */

type Item = Readonly<Record<string, string>>;

const UPTIME_UNITS: Record<string, number> = {
  w: 604800,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
};

/**
 * Seconds from a RouterOS duration: `1w2d03:04:05` (RouterOS 6), `1w2d3h4m5s` (7),
 * `00:05:10`, `5s120ms`. Undefined when it is not a duration.
 */
export function parseUptime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^((?:\d+(?:ms|w|d|h|m|s))*)(?:(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d+))?)?$/.exec(
    text.trim(),
  );
  if (!m || text.trim() === '') return undefined;
  let seconds = 0;
  for (const part of (m[1] ?? '').matchAll(/(\d+)(ms|w|d|h|m|s)/g)) {
    seconds += Number(part[1]) * (UPTIME_UNITS[part[2] as string] ?? 0);
  }
  if (m[2] !== undefined) {
    seconds += Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
    if (m[5] !== undefined) seconds += Number(`0.${m[5]}`);
  }
  return Math.round(seconds * 1000) / 1000;
}

/** A finite number, or undefined. Accepts integers and decimals only (not `1e3`, not `0x10`). */
export function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+(\.\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === 'true' || text === 'yes') return true;
  if (text === 'false' || text === 'no') return false;
  return undefined;
}

/** A generic print value: number if numeric, boolean for true/false, else the string. */
export function normaliseValue(text: string): number | boolean | string {
  const n = parseNumber(text);
  if (n !== undefined) return n;
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}

/** An item of an extra print: every property normalised with {@link normaliseValue}. */
export function normaliseItem(item: Item): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(item)) out[k] = normaliseValue(v);
  return out;
}

export interface SystemInfo {
  readonly identity: string | null;
  /** `7.18.2`, without the channel. */
  readonly version: string | null;
  /** `stable`, `long-term`, ... */
  readonly channel: string | null;
  readonly majorVersion: number | null;
  readonly uptimeSeconds: number | null;
  readonly boardName: string | null;
  readonly architecture: string | null;
  readonly platform: string | null;
  readonly cpu: {
    readonly model: string | null;
    readonly count: number | null;
    readonly frequencyMhz: number | null;
    readonly loadPercent: number | null;
  };
  readonly memory: { readonly freeBytes: number | null; readonly totalBytes: number | null };
  readonly hdd: { readonly freeBytes: number | null; readonly totalBytes: number | null };
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export function normaliseSystem(resource: Item, identity: Item | undefined): SystemInfo {
  const vm = /^(\d+(?:\.\d+)*\S*)(?:\s+\(([^)]+)\))?/.exec(resource['version'] ?? '');
  const version = vm?.[1];
  return {
    identity: orNull(identity?.['name']),
    version: orNull(version),
    channel: orNull(vm?.[2]),
    majorVersion: orNull(parseNumber(version?.split('.')[0])),
    uptimeSeconds: orNull(parseUptime(resource['uptime'])),
    boardName: orNull(resource['board-name']),
    architecture: orNull(resource['architecture-name']),
    platform: orNull(resource['platform']),
    cpu: {
      model: orNull(resource['cpu']),
      count: orNull(parseNumber(resource['cpu-count'])),
      frequencyMhz: orNull(parseNumber(resource['cpu-frequency'])),
      loadPercent: orNull(parseNumber(resource['cpu-load'])),
    },
    memory: {
      freeBytes: orNull(parseNumber(resource['free-memory'])),
      totalBytes: orNull(parseNumber(resource['total-memory'])),
    },
    hdd: {
      freeBytes: orNull(parseNumber(resource['free-hdd-space'])),
      totalBytes: orNull(parseNumber(resource['total-hdd-space'])),
    },
  };
}

export interface RouterboardInfo {
  readonly model: string | null;
  readonly serialNumber: string | null;
  readonly firmwareType: string | null;
  readonly currentFirmware: string | null;
  readonly upgradeFirmware: string | null;
}

/** Null for a CHR/x86 (`routerboard=false`) or an empty print. */
export function normaliseRouterboard(item: Item | undefined): RouterboardInfo | null {
  if (!item || parseBoolean(item['routerboard']) === false) return null;
  return {
    model: orNull(item['model']),
    serialNumber: orNull(item['serial-number']),
    firmwareType: orNull(item['firmware-type']),
    currentFirmware: orNull(item['current-firmware']),
    upgradeFirmware: orNull(item['upgrade-firmware']),
  };
}

/** `V` volts, `C` degrees Celsius, `RPM`, `A` amperes, `W` watts, `%`; null for states. */
export interface HealthSensor {
  readonly name: string;
  readonly value: number | boolean | string;
  readonly unit: string | null;
}

/**
 * The unit RouterOS 7 would print as `type`, from the sensor's name (RouterOS 6 prints none).
 * Numbered sensors (`board-temperature1`, `voltage2`, `fan2-speed`) count as their kind.
 */
function unitFromName(name: string): string | null {
  const kind = name.replace(/\d+$/, '');
  if (/voltage$/.test(kind)) return 'V';
  if (/temperature$/.test(kind)) return 'C';
  if (/fan\d*-speed$/.test(kind)) return 'RPM';
  if (/current$/.test(kind)) return 'A';
  if (/power(-consumption)?$/.test(kind)) return 'W';
  return null;
}

/**
 * RouterOS 7 prints one item per sensor (`name`, `value`, `type`); RouterOS 6 prints one item
 * with a property per sensor. Both become one {@link HealthSensor} per sensor.
 */
export function normaliseHealth(items: readonly Item[]): HealthSensor[] {
  const perSensor =
    items.length > 0 && items.every((i) => i['name'] !== undefined && i['value'] !== undefined);
  if (perSensor) {
    return items.map((i) => {
      const name = i['name'] as string;
      const type = i['type'];
      return {
        name,
        value: normaliseValue(i['value'] as string),
        unit: type === undefined || type === '' ? unitFromName(name) : type,
      };
    });
  }
  const out: HealthSensor[] = [];
  for (const item of items) {
    for (const [name, raw] of Object.entries(item)) {
      if (name.startsWith('.')) continue;
      out.push({ name, value: normaliseValue(raw), unit: unitFromName(name) });
    }
  }
  return out;
}

/** Counter and state fields of one interface, before rates. */
export interface InterfaceCounters {
  readonly id: string | null;
  readonly name: string;
  readonly type: string | null;
  readonly mtu: number | null;
  readonly macAddress: string | null;
  readonly running: boolean | null;
  readonly disabled: boolean | null;
  readonly rxBytes: number | null;
  readonly txBytes: number | null;
  readonly rxPackets: number | null;
  readonly txPackets: number | null;
  readonly rxErrors: number | null;
  readonly txErrors: number | null;
  readonly rxDrops: number | null;
  readonly txDrops: number | null;
  readonly linkDowns: number | null;
}

export const INTERFACE_PROPLIST = [
  '.id',
  'name',
  'type',
  'mtu',
  'actual-mtu',
  'mac-address',
  'running',
  'disabled',
  'rx-byte',
  'tx-byte',
  'rx-packet',
  'tx-packet',
  'rx-error',
  'tx-error',
  'rx-drop',
  'tx-drop',
  'link-downs',
];

export function normaliseInterface(i: Item): InterfaceCounters {
  const n = (k: string) => orNull(parseNumber(i[k]));
  const mtu = parseNumber(i['mtu']) ?? parseNumber(i['actual-mtu']); // mtu is "auto" on some types
  return {
    id: orNull(i['.id']),
    name: i['name'] ?? '',
    type: orNull(i['type']),
    mtu: orNull(mtu),
    macAddress: orNull(i['mac-address']),
    running: orNull(parseBoolean(i['running'])),
    disabled: orNull(parseBoolean(i['disabled'])),
    rxBytes: n('rx-byte'),
    txBytes: n('tx-byte'),
    rxPackets: n('rx-packet'),
    txPackets: n('tx-packet'),
    rxErrors: n('rx-error'),
    txErrors: n('tx-error'),
    rxDrops: n('rx-drop'),
    txDrops: n('tx-drop'),
    linkDowns: n('link-downs'),
  };
}
