import snmp from 'net-snmp';

/** A variable binding as net-snmp returns it. */
export interface SnmpVarbind {
  readonly oid: string;
  readonly type: number;
  readonly value: unknown;
}

/** A decoded SNMP value: JSON, typed by the SNMP type. */
export type SnmpValue = number | string | { readonly hex: string };

const T = snmp.ObjectType;
const INTEGER = T.Integer!;
const OCTET_STRING = T.OctetString!;
const OID = T.OID!;
const IP_ADDRESS = T.IpAddress!;
const COUNTER32 = T.Counter!;
const GAUGE32 = T.Gauge!;
const TIMETICKS = T.TimeTicks!;
const OPAQUE = T.Opaque!;
const COUNTER64 = T.Counter64!;
const BOOLEAN = T.Boolean!;
const NO_SUCH_OBJECT = T.NoSuchObject!;
const NO_SUCH_INSTANCE = T.NoSuchInstance!;
const END_OF_MIB_VIEW = T.EndOfMibView!;

export const SnmpType = { COUNTER32, COUNTER64, TIMETICKS, END_OF_MIB_VIEW } as const;

/** True for the exception values (noSuchObject, noSuchInstance, endOfMibView). */
export function isException(type: number): boolean {
  return type === NO_SUCH_OBJECT || type === NO_SUCH_INSTANCE || type === END_OF_MIB_VIEW;
}

/** Printable ASCII (and tab, CR, LF) is text; anything else is shown as hex, as the C tools do. */
function isPrintable(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 || c > 0x7e) && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

/** Counter64 arrives as big-endian bytes: a number while exact (< 2^53), else a bigint. */
export function counter64(b: Buffer): number | bigint {
  const n = b.length;
  if (n === 0) return 0;
  if (n <= 6) return b.readUIntBE(0, n);
  let hi = 0;
  for (let i = 0; i < n - 6; i++) hi = hi * 256 + b[i]!;
  const v = hi * 2 ** 48 + b.readUIntBE(n - 6, 6);
  if (v <= Number.MAX_SAFE_INTEGER) return v;
  let big = 0n;
  for (let i = 0; i < n; i++) big = (big << 8n) | BigInt(b[i]!);
  return big;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON form of a 64-bit value: a number up to 2^53, a decimal string above. */
export function counterToJson(v: number | bigint): number | string {
  if (typeof v === 'number') return v;
  return v <= MAX_SAFE ? Number(v) : v.toString();
}

/** Decodes one varbind; undefined for the exception values and NULL. */
export function decodeValue(vb: SnmpVarbind): SnmpValue | undefined {
  const t = vb.type;
  const v = vb.value;
  switch (t) {
    case INTEGER:
    case COUNTER32:
    case GAUGE32:
    case TIMETICKS:
      return typeof v === 'number' ? v : undefined;
    case OCTET_STRING:
      if (!Buffer.isBuffer(v)) return typeof v === 'string' ? v : undefined;
      return isPrintable(v) ? v.toString('latin1') : { hex: v.toString('hex') };
    case COUNTER64:
      if (!Buffer.isBuffer(v)) return undefined;
      return counterToJson(counter64(v));
    case OID:
    case IP_ADDRESS:
      return typeof v === 'string' ? v : undefined;
    case OPAQUE:
      return Buffer.isBuffer(v) ? { hex: v.toString('hex') } : undefined;
    case BOOLEAN:
      return v === true ? 1 : 0;
    default:
      return undefined;
  }
}
