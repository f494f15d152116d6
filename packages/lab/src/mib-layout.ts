import snmp from 'net-snmp';
import type { Mib, MibRequest, ProviderDefinition, TableColumn } from 'net-snmp';
import { counter32 } from './device-model.js';
import type { SnmpDeviceModel, SnmpDeviceView } from './device-model.js';

/**
 * The MIB objects a simulated device serves, and the net-snmp MIB tree that serves them.
 *
 * One tree is built per device shape (interface and processor counts) and shared by every agent
 * of that shape: the tree holds only placeholders, and each instance's handler fills in the value
 * of the device whose request is being answered ({@link ActiveView}), at the request's instant.
 * A thousand devices of one shape cost one tree, not a thousand.
 */

const T = snmp.ObjectType;
const READ_ONLY = snmp.MaxAccess['read-only']!;
const NOT_ACCESSIBLE = snmp.MaxAccess['not-accessible']!;

export const OID = {
  system: '1.3.6.1.2.1.1',
  ifNumber: '1.3.6.1.2.1.2.1.0',
  ifEntry: '1.3.6.1.2.1.2.2.1',
  ifXEntry: '1.3.6.1.2.1.31.1.1.1',
  hrStorageEntry: '1.3.6.1.2.1.25.2.3.1',
  hrProcessorEntry: '1.3.6.1.2.1.25.3.3.1',
  laEntry: '1.3.6.1.4.1.2021.10.1',
} as const;

/** sysObjectID: Net-SNMP's "linux" agent OID, which pollers already know. */
export const SYS_OBJECT_ID = '1.3.6.1.4.1.8072.3.2.10';

/** hrDeviceIndex of the first processor (as Net-SNMP numbers them). */
export const HR_PROCESSOR_BASE_INDEX = 196608;

/** A value as net-snmp's encoder takes it. */
type Value = number | string | Buffer;

/** Counter64 as the minimal big-endian unsigned content net-snmp's encoder writes verbatim. */
export function counter64Bytes(n: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const b = Buffer.from(hex, 'hex');
  return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

/** SMI syntaxes the lab serves. */
export type Syntax =
  | 'INTEGER'
  | 'OCTET STRING'
  | 'OBJECT IDENTIFIER'
  | 'Counter32'
  | 'Gauge32'
  | 'TimeTicks'
  | 'Counter64';

const SYNTAX = new Map<number, Syntax>([
  [T.Integer!, 'INTEGER'],
  [T.OctetString!, 'OCTET STRING'],
  [T.OID!, 'OBJECT IDENTIFIER'],
  [T.Counter!, 'Counter32'],
  [T.Gauge!, 'Gauge32'],
  [T.TimeTicks!, 'TimeTicks'],
  [T.Counter64!, 'Counter64'],
]);

/** One served instance: its OID, SMI type and value at a view's instant. */
export interface InstanceDef {
  readonly oid: string;
  /** net-snmp's ObjectType number. */
  readonly type: number;
  readonly syntax: Syntax;
  readonly get: (v: SnmpDeviceView) => Value;
}

interface ColumnDef {
  readonly n: number;
  readonly name: string;
  readonly type: number;
  readonly get: (v: SnmpDeviceView, row: number) => Value;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

const SYSTEM: readonly [number, string, number, (v: SnmpDeviceView) => Value][] = [
  [1, 'sysDescr', T.OctetString!, (v) => utf8(v.model.spec.sysDescr)],
  [2, 'sysObjectID', T.OID!, () => SYS_OBJECT_ID],
  [3, 'sysUpTime', T.TimeTicks!, (v) => v.sysUpTime],
  [4, 'sysContact', T.OctetString!, (v) => utf8(v.model.spec.sysContact)],
  [5, 'sysName', T.OctetString!, (v) => utf8(v.model.spec.sysName)],
  [6, 'sysLocation', T.OctetString!, (v) => utf8(v.model.spec.sysLocation)],
  [7, 'sysServices', T.Integer!, () => 72],
];

const shape = (v: SnmpDeviceView, i: number) => v.model.interfaceShape(i);
const c64 =
  (f: (c: ReturnType<SnmpDeviceView['interface']>) => number) => (v: SnmpDeviceView, i: number) =>
    counter64Bytes(f(v.interface(i)));
const c32 =
  (f: (c: ReturnType<SnmpDeviceView['interface']>) => number) => (v: SnmpDeviceView, i: number) =>
    counter32(f(v.interface(i)));

const IF_COLUMNS: readonly ColumnDef[] = [
  { n: 1, name: 'ifIndex', type: T.Integer!, get: (_v, i) => i },
  { n: 2, name: 'ifDescr', type: T.OctetString!, get: (v, i) => utf8(shape(v, i).ifDescr) },
  { n: 3, name: 'ifType', type: T.Integer!, get: () => 6 },
  { n: 4, name: 'ifMtu', type: T.Integer!, get: () => 1500 },
  { n: 5, name: 'ifSpeed', type: T.Gauge!, get: (v, i) => shape(v, i).ifSpeed },
  { n: 6, name: 'ifPhysAddress', type: T.OctetString!, get: (v, i) => shape(v, i).ifPhysAddress },
  { n: 7, name: 'ifAdminStatus', type: T.Integer!, get: () => 1 },
  { n: 8, name: 'ifOperStatus', type: T.Integer!, get: (v, i) => shape(v, i).ifOperStatus },
  {
    n: 9,
    name: 'ifLastChange',
    type: T.TimeTicks!,
    get: (v, i) => (shape(v, i).ifOperStatus === 1 ? 0 : 6000),
  },
  { n: 10, name: 'ifInOctets', type: T.Counter!, get: c32((c) => c.hcInOctets) },
  { n: 11, name: 'ifInUcastPkts', type: T.Counter!, get: c32((c) => c.hcInUcastPkts) },
  { n: 13, name: 'ifInDiscards', type: T.Counter!, get: c32((c) => c.inDiscards) },
  { n: 14, name: 'ifInErrors', type: T.Counter!, get: c32((c) => c.inErrors) },
  { n: 15, name: 'ifInUnknownProtos', type: T.Counter!, get: () => 0 },
  { n: 16, name: 'ifOutOctets', type: T.Counter!, get: c32((c) => c.hcOutOctets) },
  { n: 17, name: 'ifOutUcastPkts', type: T.Counter!, get: c32((c) => c.hcOutUcastPkts) },
  { n: 19, name: 'ifOutDiscards', type: T.Counter!, get: c32((c) => c.outDiscards) },
  { n: 20, name: 'ifOutErrors', type: T.Counter!, get: c32((c) => c.outErrors) },
];

const IFX_COLUMNS: readonly ColumnDef[] = [
  { n: 1, name: 'ifName', type: T.OctetString!, get: (v, i) => utf8(shape(v, i).ifName) },
  { n: 2, name: 'ifInMulticastPkts', type: T.Counter!, get: c32((c) => c.hcInMulticastPkts) },
  { n: 3, name: 'ifInBroadcastPkts', type: T.Counter!, get: c32((c) => c.hcInBroadcastPkts) },
  { n: 4, name: 'ifOutMulticastPkts', type: T.Counter!, get: c32((c) => c.hcOutMulticastPkts) },
  { n: 5, name: 'ifOutBroadcastPkts', type: T.Counter!, get: c32((c) => c.hcOutBroadcastPkts) },
  { n: 6, name: 'ifHCInOctets', type: T.Counter64!, get: c64((c) => c.hcInOctets) },
  { n: 7, name: 'ifHCInUcastPkts', type: T.Counter64!, get: c64((c) => c.hcInUcastPkts) },
  { n: 8, name: 'ifHCInMulticastPkts', type: T.Counter64!, get: c64((c) => c.hcInMulticastPkts) },
  { n: 9, name: 'ifHCInBroadcastPkts', type: T.Counter64!, get: c64((c) => c.hcInBroadcastPkts) },
  { n: 10, name: 'ifHCOutOctets', type: T.Counter64!, get: c64((c) => c.hcOutOctets) },
  { n: 11, name: 'ifHCOutUcastPkts', type: T.Counter64!, get: c64((c) => c.hcOutUcastPkts) },
  {
    n: 12,
    name: 'ifHCOutMulticastPkts',
    type: T.Counter64!,
    get: c64((c) => c.hcOutMulticastPkts),
  },
  {
    n: 13,
    name: 'ifHCOutBroadcastPkts',
    type: T.Counter64!,
    get: c64((c) => c.hcOutBroadcastPkts),
  },
  { n: 14, name: 'ifLinkUpDownTrapEnable', type: T.Integer!, get: () => 2 },
  { n: 15, name: 'ifHighSpeed', type: T.Gauge!, get: (v, i) => shape(v, i).ifHighSpeed },
  { n: 16, name: 'ifPromiscuousMode', type: T.Integer!, get: () => 2 },
  { n: 17, name: 'ifConnectorPresent', type: T.Integer!, get: () => 1 },
  { n: 18, name: 'ifAlias', type: T.OctetString!, get: (v, i) => utf8(shape(v, i).ifAlias) },
  { n: 19, name: 'ifCounterDiscontinuityTime', type: T.TimeTicks!, get: () => 0 },
];

const storageRow = (v: SnmpDeviceView, index: number) =>
  v.model.storage.find((r) => r.index === index)!;
const HR_STORAGE_COLUMNS: readonly ColumnDef[] = [
  { n: 1, name: 'hrStorageIndex', type: T.Integer!, get: (_v, r) => r },
  { n: 2, name: 'hrStorageType', type: T.OID!, get: (v, r) => storageRow(v, r).typeOid },
  {
    n: 3,
    name: 'hrStorageDescr',
    type: T.OctetString!,
    get: (v, r) => utf8(storageRow(v, r).descr),
  },
  {
    n: 4,
    name: 'hrStorageAllocationUnits',
    type: T.Integer!,
    get: (v, r) => storageRow(v, r).allocationUnits,
  },
  { n: 5, name: 'hrStorageSize', type: T.Integer!, get: (v, r) => storageRow(v, r).size },
  { n: 6, name: 'hrStorageUsed', type: T.Integer!, get: (v, r) => v.storageUsed(r) },
  { n: 7, name: 'hrStorageAllocationFailures', type: T.Counter!, get: () => 0 },
];

const HR_PROCESSOR_COLUMNS: readonly ColumnDef[] = [
  { n: 1, name: 'hrProcessorFrwID', type: T.OID!, get: () => '0.0' },
  {
    n: 2,
    name: 'hrProcessorLoad',
    type: T.Integer!,
    get: (v, r) => v.cpuLoad(r - HR_PROCESSOR_BASE_INDEX),
  },
];

const LA_COLUMNS: readonly ColumnDef[] = [
  { n: 1, name: 'laIndex', type: T.Integer!, get: (_v, r) => r },
  {
    n: 2,
    name: 'laNames',
    type: T.OctetString!,
    get: (_v, r) => utf8(['Load-1', 'Load-5', 'Load-15'][r - 1]!),
  },
  {
    n: 3,
    name: 'laLoad',
    type: T.OctetString!,
    get: (v, r) => utf8(v.loadAverage((r - 1) as 0 | 1 | 2)),
  },
  { n: 4, name: 'laConfig', type: T.OctetString!, get: () => utf8('12.00') },
  {
    n: 5,
    name: 'laLoadInt',
    type: T.Integer!,
    get: (v, r) => Math.round(Number(v.loadAverage((r - 1) as 0 | 1 | 2)) * 100),
  },
];

interface TableDef {
  readonly name: string;
  readonly entry: string;
  readonly columns: readonly ColumnDef[];
  readonly rows: (m: SnmpDeviceModel) => number[];
  /** Index column name when it is also a served column; otherwise a not-accessible one is added. */
  readonly indexColumn?: string;
  readonly augments?: string;
}

const TABLES: readonly TableDef[] = [
  {
    name: 'ifTable',
    entry: OID.ifEntry,
    columns: IF_COLUMNS,
    rows: (m) => Array.from({ length: m.spec.interfaces }, (_, k) => k + 1),
    indexColumn: 'ifIndex',
  },
  {
    name: 'ifXTable',
    entry: OID.ifXEntry,
    columns: IFX_COLUMNS,
    rows: (m) => Array.from({ length: m.spec.interfaces }, (_, k) => k + 1),
    augments: 'ifTable',
  },
  {
    name: 'hrStorageTable',
    entry: OID.hrStorageEntry,
    columns: HR_STORAGE_COLUMNS,
    rows: (m) => m.storage.map((r) => r.index),
    indexColumn: 'hrStorageIndex',
  },
  {
    name: 'hrProcessorTable',
    entry: OID.hrProcessorEntry,
    columns: HR_PROCESSOR_COLUMNS,
    rows: (m) => Array.from({ length: m.spec.cpus }, (_, k) => HR_PROCESSOR_BASE_INDEX + k),
  },
  {
    name: 'laTable',
    entry: OID.laEntry,
    columns: LA_COLUMNS,
    rows: () => [1, 2, 3],
    indexColumn: 'laIndex',
  },
];

/** Every instance a device of this model serves, in no particular order. */
export function instancesOf(model: SnmpDeviceModel): InstanceDef[] {
  const def = (oid: string, type: number, get: InstanceDef['get']): InstanceDef => ({
    oid,
    type,
    syntax: SYNTAX.get(type)!,
    get,
  });
  const out: InstanceDef[] = SYSTEM.map(([n, , type, get]) =>
    def(`${OID.system}.${n}.0`, type, get),
  );
  out.push(def(OID.ifNumber, T.Integer!, (v) => v.model.spec.interfaces));
  for (const t of TABLES) {
    for (const c of t.columns) {
      for (const row of t.rows(model)) {
        out.push(def(`${t.entry}.${c.n}.${row}`, c.type, (v) => c.get(v, row)));
      }
    }
  }
  return out;
}

/** The device view the handlers are answering for; set around each request by the agent. */
export const ActiveView: { current: SnmpDeviceView | undefined } = { current: undefined };

/** A net-snmp MIB tree for every device of one shape, and the values of its instances. */
export class SharedMib {
  readonly mib: Mib;
  private readonly getters = new Map<string, (v: SnmpDeviceView) => Value>();

  constructor(model: SnmpDeviceModel) {
    for (const d of instancesOf(model)) this.getters.set(d.oid, d.get);
    const handler = (req: MibRequest): void => {
      const view = ActiveView.current;
      const get = this.getters.get(req.instanceNode.oid);
      if (view && get) req.instanceNode.value = get(view);
      req.done();
    };
    this.mib = snmp.createMib();
    // net-snmp rebuilds the whole table row twice per table varbind, only to hand it to the
    // agent's result callback, which the lab does not use: half the agent's CPU at 20 columns.
    this.mib.getTableRowCells = () => null;
    const placeholder = (type: number): Value =>
      type === T.OctetString ? '' : type === T.OID ? '0.0' : 0;
    for (const [n, name, type] of SYSTEM) {
      this.scalar(`${OID.system}.${n}`, name, type, handler);
      this.mib.setScalarValue(name, placeholder(type));
    }
    this.scalar('1.3.6.1.2.1.2.1', 'ifNumber', T.Integer!, handler);
    this.mib.setScalarValue('ifNumber', 0);
    for (const t of TABLES) {
      const columns: TableColumn[] = t.columns.map((c) => ({
        number: c.n,
        name: c.name,
        type: c.type,
        maxAccess: READ_ONLY,
      }));
      const indexName = t.indexColumn ?? `${t.name}Index`;
      if (!t.indexColumn && !t.augments) {
        // hrProcessorTable is indexed by hrDeviceIndex, a column of another table.
        columns.unshift({
          number: 0,
          name: indexName,
          type: T.Integer!,
          maxAccess: NOT_ACCESSIBLE,
        });
      }
      const def: ProviderDefinition = {
        name: t.name,
        type: snmp.MibProviderType.Table!,
        oid: t.entry,
        maxAccess: NOT_ACCESSIBLE,
        tableColumns: columns,
        handler,
      };
      if (t.augments) def.tableAugments = t.augments;
      else def.tableIndex = [{ columnName: indexName }];
      this.mib.registerProvider(def);
      for (const row of t.rows(model)) {
        const cells = columns.map((c) => (c.name === indexName ? row : placeholder(c.type)));
        this.mib.addTableRow(t.name, t.augments ? [row, ...cells] : cells);
      }
    }
  }

  private scalar(
    oid: string,
    name: string,
    scalarType: number,
    handler: (r: MibRequest) => void,
  ): void {
    this.mib.registerProvider({
      name,
      type: snmp.MibProviderType.Scalar!,
      oid,
      scalarType,
      maxAccess: READ_ONLY,
      handler,
    });
  }
}
