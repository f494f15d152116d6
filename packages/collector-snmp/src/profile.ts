import { SNMP_VALUE_TYPES } from './decode.js';
import type { SnmpValueType } from './decode.js';
import { SnmpProfileError } from './errors.js';

/** A scalar to GET: `oid` is the full instance OID (usually ending in `.0`). */
export interface SnmpScalarDef {
  readonly name: string;
  readonly oid: string;
  /** How an OCTET STRING value is published ({@link SnmpValueType}). @defaultValue auto */
  readonly type?: SnmpValueType;
}

/** A table column: `oid` is the column (entry OID + column number); rows are keyed by index. */
export interface SnmpColumnDef {
  readonly name: string;
  readonly oid: string;
  /** How an OCTET STRING value is published ({@link SnmpValueType}). @defaultValue auto */
  readonly type?: SnmpValueType;
}

/**
 * A table: columns that share an index (they may come from different MIB tables with the same
 * index, such as ifTable and ifXTable).
 */
export interface SnmpTableDef {
  readonly name: string;
  readonly columns: readonly SnmpColumnDef[];
}

/** What to poll. JSON, numeric OIDs only: no MIB files at run time. */
export interface SnmpProfile {
  readonly scalars: readonly SnmpScalarDef[];
  readonly tables: readonly SnmpTableDef[];
}

/**
 * Where named profiles come from (the `snmp_profiles` table in the poller, a map in tests).
 * Definitions are stored JSON; the collector validates them on use.
 */
export interface SnmpProfileSource {
  get(name: string): Promise<unknown>;
}

const OID = /^[0-2](\.(0|[1-9]\d{0,9}))+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const MAX_ITEMS = 512;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normOid(raw: unknown, field: string): string {
  if (typeof raw !== 'string') throw new SnmpProfileError(field, 'must be a numeric OID string');
  const oid = raw.startsWith('.') ? raw.slice(1) : raw;
  if (!OID.test(oid)) throw new SnmpProfileError(field, `"${raw}" is not a numeric OID`);
  return oid;
}

function name(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || !NAME.test(raw)) {
    throw new SnmpProfileError(field, `must match ${NAME.source}`);
  }
  return raw;
}

function valueType(
  raw: Record<string, unknown>,
  field: string,
  what: string,
): { type?: SnmpValueType } {
  for (const k of Object.keys(raw)) {
    if (k !== 'name' && k !== 'oid' && k !== 'type') {
      throw new SnmpProfileError(`${field}.${k}`, `unknown key in ${what} (name, oid, type)`);
    }
  }
  const t = raw.type;
  if (t === undefined) return {};
  if (typeof t !== 'string' || !(SNMP_VALUE_TYPES as readonly string[]).includes(t)) {
    throw new SnmpProfileError(
      `${field}.type`,
      `${what}: type ${JSON.stringify(t)} is not one of ${SNMP_VALUE_TYPES.join(', ')} (or leave it out)`,
    );
  }
  return { type: t as SnmpValueType };
}

function list(raw: unknown, field: string): unknown[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new SnmpProfileError(field, 'must be an array');
  if (raw.length > MAX_ITEMS) throw new SnmpProfileError(field, `at most ${MAX_ITEMS} entries`);
  return raw;
}

/** Validates a profile definition (from JSON) and normalises its OIDs. */
export function parseSnmpProfile(raw: unknown, field = 'profile'): SnmpProfile {
  if (!isRecord(raw)) throw new SnmpProfileError(field, 'must be an object');
  for (const k of Object.keys(raw)) {
    if (k !== 'scalars' && k !== 'tables')
      throw new SnmpProfileError(`${field}.${k}`, 'unknown key');
  }
  const seen = new Set<string>();
  const scalars = list(raw.scalars, `${field}.scalars`).map((s, i) => {
    const f = `${field}.scalars[${i}]`;
    if (!isRecord(s)) throw new SnmpProfileError(f, 'must be { name, oid }');
    const n = name(s.name, `${f}.name`);
    if (seen.has(n)) throw new SnmpProfileError(`${f}.name`, `duplicate scalar name "${n}"`);
    seen.add(n);
    return { name: n, oid: normOid(s.oid, `${f}.oid`), ...valueType(s, f, `scalar "${n}"`) };
  });
  const tableNames = new Set<string>();
  const tables = list(raw.tables, `${field}.tables`).map((t, i) => {
    const f = `${field}.tables[${i}]`;
    if (!isRecord(t)) throw new SnmpProfileError(f, 'must be { name, columns }');
    const n = name(t.name, `${f}.name`);
    if (tableNames.has(n)) throw new SnmpProfileError(`${f}.name`, `duplicate table name "${n}"`);
    tableNames.add(n);
    const colNames = new Set<string>();
    const cols = list(t.columns, `${f}.columns`);
    if (cols.length === 0) throw new SnmpProfileError(`${f}.columns`, 'needs at least one column');
    const columns = cols.map((c, j) => {
      const cf = `${f}.columns[${j}]`;
      if (!isRecord(c)) throw new SnmpProfileError(cf, 'must be { name, oid }');
      const cn = name(c.name, `${cf}.name`);
      if (colNames.has(cn)) throw new SnmpProfileError(`${cf}.name`, `duplicate column "${cn}"`);
      colNames.add(cn);
      return {
        name: cn,
        oid: normOid(c.oid, `${cf}.oid`),
        ...valueType(c, cf, `column "${cn}" of table "${n}"`),
      };
    });
    return { name: n, columns };
  });
  if (scalars.length === 0 && tables.length === 0) {
    throw new SnmpProfileError(field, 'needs at least one scalar or table');
  }
  return { scalars, tables };
}

const SYS = '1.3.6.1.2.1.1';
const IF = '1.3.6.1.2.1.2.2.1';
const IFX = '1.3.6.1.2.1.31.1.1.1';
const HR_STORAGE = '1.3.6.1.2.1.25.2.3.1';
const HR_PROCESSOR = '1.3.6.1.2.1.25.3.3.1';

export const SYS_UPTIME_OID = `${SYS}.3.0`;

/**
 * Columns that tell the rate code about a row's counters, in any profile that has them:
 * ifSpeed (bit/s), ifHighSpeed (Mbit/s) and ifCounterDiscontinuityTime.
 */
export const COUNTER_INFO_COLUMNS: ReadonlyMap<string, 'speed' | 'highSpeed' | 'discontinuity'> =
  new Map([
    [`${IF}.5`, 'speed'],
    [`${IFX}.15`, 'highSpeed'],
    [`${IFX}.19`, 'discontinuity'],
  ]);

const col = (base: string, n: number, nm: string, type?: SnmpValueType): SnmpColumnDef => ({
  name: nm,
  oid: `${base}.${n}`,
  ...(type ? { type } : {}),
});

/**
 * The built-in `default` profile: system group, IF-MIB ifTable + ifXTable as one `interfaces`
 * table, HOST-RESOURCES hrProcessorLoad and hrStorage.
 */
export const DEFAULT_SNMP_PROFILE: SnmpProfile = {
  scalars: [
    { name: 'sysDescr', oid: `${SYS}.1.0`, type: 'text' },
    { name: 'sysObjectID', oid: `${SYS}.2.0` },
    { name: 'sysUpTime', oid: SYS_UPTIME_OID },
    { name: 'sysContact', oid: `${SYS}.4.0`, type: 'text' },
    { name: 'sysName', oid: `${SYS}.5.0`, type: 'text' },
    { name: 'sysLocation', oid: `${SYS}.6.0`, type: 'text' },
  ],
  tables: [
    {
      name: 'interfaces',
      columns: [
        col(IF, 1, 'ifIndex'),
        col(IF, 2, 'ifDescr', 'text'),
        col(IF, 3, 'ifType'),
        col(IF, 4, 'ifMtu'),
        col(IF, 5, 'ifSpeed'),
        col(IF, 6, 'ifPhysAddress', 'mac'),
        col(IF, 7, 'ifAdminStatus'),
        col(IF, 8, 'ifOperStatus'),
        col(IF, 9, 'ifLastChange'),
        col(IF, 10, 'ifInOctets'),
        col(IF, 11, 'ifInUcastPkts'),
        col(IF, 13, 'ifInDiscards'),
        col(IF, 14, 'ifInErrors'),
        col(IF, 15, 'ifInUnknownProtos'),
        col(IF, 16, 'ifOutOctets'),
        col(IF, 17, 'ifOutUcastPkts'),
        col(IF, 19, 'ifOutDiscards'),
        col(IF, 20, 'ifOutErrors'),
        col(IFX, 1, 'ifName', 'text'),
        col(IFX, 2, 'ifInMulticastPkts'),
        col(IFX, 3, 'ifInBroadcastPkts'),
        col(IFX, 4, 'ifOutMulticastPkts'),
        col(IFX, 5, 'ifOutBroadcastPkts'),
        col(IFX, 6, 'ifHCInOctets'),
        col(IFX, 7, 'ifHCInUcastPkts'),
        col(IFX, 8, 'ifHCInMulticastPkts'),
        col(IFX, 9, 'ifHCInBroadcastPkts'),
        col(IFX, 10, 'ifHCOutOctets'),
        col(IFX, 11, 'ifHCOutUcastPkts'),
        col(IFX, 12, 'ifHCOutMulticastPkts'),
        col(IFX, 13, 'ifHCOutBroadcastPkts'),
        col(IFX, 15, 'ifHighSpeed'),
        col(IFX, 18, 'ifAlias', 'text'),
        col(IFX, 19, 'ifCounterDiscontinuityTime'),
      ],
    },
    { name: 'hrProcessor', columns: [col(HR_PROCESSOR, 2, 'hrProcessorLoad')] },
    {
      name: 'hrStorage',
      columns: [
        col(HR_STORAGE, 2, 'hrStorageType'),
        col(HR_STORAGE, 3, 'hrStorageDescr', 'text'),
        col(HR_STORAGE, 4, 'hrStorageAllocationUnits'),
        col(HR_STORAGE, 5, 'hrStorageSize'),
        col(HR_STORAGE, 6, 'hrStorageUsed'),
      ],
    },
  ],
};

/**
 * The default profile's interface counters: the 64-bit HC column where the agent has it, the
 * 32-bit one otherwise. Added to each `interfaces` row under the short name.
 */
export const INTERFACE_COUNTER_FALLBACKS: readonly (readonly [string, string, string])[] = [
  ['inOctets', 'ifHCInOctets', 'ifInOctets'],
  ['outOctets', 'ifHCOutOctets', 'ifOutOctets'],
  ['inUcastPkts', 'ifHCInUcastPkts', 'ifInUcastPkts'],
  ['outUcastPkts', 'ifHCOutUcastPkts', 'ifOutUcastPkts'],
  ['inMulticastPkts', 'ifHCInMulticastPkts', 'ifInMulticastPkts'],
  ['outMulticastPkts', 'ifHCOutMulticastPkts', 'ifOutMulticastPkts'],
  ['inBroadcastPkts', 'ifHCInBroadcastPkts', 'ifInBroadcastPkts'],
  ['outBroadcastPkts', 'ifHCOutBroadcastPkts', 'ifOutBroadcastPkts'],
];
