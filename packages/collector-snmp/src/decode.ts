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

/**
 * How an OCTET STRING is published (a profile's per-column `type`; other SNMP types ignore it).
 * - `text`: UTF-8 text when the bytes are valid UTF-8 (trailing NULs dropped), else `{ hex }`.
 * - `hex`: always `{ hex }`.
 * - `mac`: `"aa:bb:cc:dd:ee:ff"` (lower case, any length; empty is `""`).
 * - `ip`: 4 bytes as `"192.0.2.1"`, 16 as an IPv6 address (`"2001:db8::1"`), else `{ hex }`.
 * Without a type (`auto`): printable UTF-8 text (no control characters but tab, CR, LF) is text,
 * anything else `{ hex }`.
 */
export type SnmpValueType = 'text' | 'hex' | 'mac' | 'ip';
export const SNMP_VALUE_TYPES: readonly SnmpValueType[] = ['text', 'hex', 'mac', 'ip'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as UTF-8, or undefined when they are not valid UTF-8. */
function utf8Text(b: Buffer): string | undefined {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return b.toString('latin1');
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

/** No control characters (C0 but tab, LF, CR; DEL; C1). */
function printable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c >= 0x7f && c <= 0x9f) return false;
  }
  return true;
}

function withoutTrailingNuls(b: Buffer): Buffer {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return n === b.length ? b : b.subarray(0, n);
}

function macText(b: Buffer): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    if (i > 0) out += ':';
    out += b[i]! < 16 ? '0' + b[i]!.toString(16) : b[i]!.toString(16);
  }
  return out;
}

function ipText(b: Buffer): SnmpValue {
  if (b.length === 4) return `${b[0]!}.${b[1]!}.${b[2]!}.${b[3]!}`;
  if (b.length !== 16) return { hex: b.toString('hex') };
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function octets(b: Buffer, type: SnmpValueType | undefined): SnmpValue {
  switch (type) {
    case 'hex':
      return { hex: b.toString('hex') };
    case 'mac':
      return macText(b);
    case 'ip':
      return ipText(b);
    case 'text': {
      const t = utf8Text(withoutTrailingNuls(b));
      return t ?? { hex: b.toString('hex') };
    }
    default: {
      const t = utf8Text(b);
      return t !== undefined && printable(t) ? t : { hex: b.toString('hex') };
    }
  }
}

/**
 * UCD-SNMP's Opaque-wrapped floats (laLoadFloat): the Opaque holds a BER value of the
 * application-specific types 0x9f78 (float, 4 bytes) or 0x9f79 (double, 8 bytes).
 */
function opaque(b: Buffer): SnmpValue {
  if (b.length === 7 && b[0] === 0x9f && b[1] === 0x78 && b[2] === 0x04) {
    const f = b.readFloatBE(3);
    // A float has 7 significant digits: 0.15, not 0.15000000596046448.
    if (Number.isFinite(f)) return Number(f.toPrecision(7));
  }
  if (b.length === 11 && b[0] === 0x9f && b[1] === 0x79 && b[2] === 0x08) {
    const d = b.readDoubleBE(3);
    if (Number.isFinite(d)) return d;
  }
  return { hex: b.toString('hex') };
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
export function decodeValue(vb: SnmpVarbind, type?: SnmpValueType): SnmpValue | undefined {
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
      return octets(v, type);
    case COUNTER64:
      if (!Buffer.isBuffer(v)) return undefined;
      return counterToJson(counter64(v));
    case OID:
    case IP_ADDRESS:
      return typeof v === 'string' ? v : undefined;
    case OPAQUE:
      return Buffer.isBuffer(v) ? opaque(v) : undefined;
    case BOOLEAN:
      return v === true ? 1 : 0;
    default:
      return undefined;
  }
}
