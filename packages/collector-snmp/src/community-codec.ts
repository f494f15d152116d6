import type { SnmpVarbind } from './decode.js';

/**
 * A minimal BER codec for SNMP v1/v2c messages: GET, GETNEXT and GETBULK requests out, Response
 * PDUs in. It exists for CPU (docs/benchmarks.md): net-snmp's general codec builds reader
 * objects, copies and per-request machinery that cost more than our whole per-poll budget.
 * Varbinds come out in net-snmp's shape and value types, so everything downstream is shared
 * with the v3 path (which stays on net-snmp). Every length is checked against its enclosing
 * element: a malformed datagram raises {@link BerError}, never reads out of bounds.
 */

export const PduTag = {
  GetRequest: 0xa0,
  GetNextRequest: 0xa1,
  Response: 0xa2,
  GetBulkRequest: 0xa5,
} as const;

/** A datagram that is not a well-formed SNMP v1/v2c message. */
export class BerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BerError';
  }
}

// ---------------------------------------------------------------- encoding

function lengthBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4;
}

function writeLength(b: Buffer, pos: number, n: number): number {
  if (n < 0x80) {
    b[pos] = n;
    return pos + 1;
  }
  if (n < 0x100) {
    b[pos] = 0x81;
    b[pos + 1] = n;
    return pos + 2;
  }
  if (n < 0x10000) {
    b[pos] = 0x82;
    b.writeUInt16BE(n, pos + 1);
    return pos + 3;
  }
  b[pos] = 0x83;
  b.writeUIntBE(n, pos + 1, 3);
  return pos + 4;
}

/** Content bytes of a non-negative INTEGER in minimal two's complement (n < 2^31). */
function intContent(n: number): number {
  return n < 0x80 ? 1 : n < 0x8000 ? 2 : n < 0x800000 ? 3 : 4;
}

function writeInt(b: Buffer, pos: number, n: number): number {
  const len = intContent(n);
  b[pos] = 0x02;
  b[pos + 1] = len;
  b.writeUIntBE(n, pos + 2, len);
  return pos + 2 + len;
}

/** Bytes of one arc in base 128. */
function arcBytes(n: number): number {
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

function writeArc(b: Buffer, pos: number, n: number): number {
  const k = arcBytes(n);
  for (let i = k - 1; i >= 0; i--) {
    b[pos + i] = (n & 0x7f) | (i === k - 1 ? 0 : 0x80);
    n = Math.floor(n / 128);
  }
  return pos + k;
}

/**
 * Parses a dotted numeric OID into `arcs` (first two merged as X.690 encodes them); returns the
 * content length in bytes. A loop over the characters, no regex or intermediate arrays: a walk
 * sends a new OID (the last row it got) in every request.
 */
function parseOid(oid: string, arcs: number[]): number {
  arcs.length = 0;
  let v = -1;
  for (let i = 0; i <= oid.length; i++) {
    const c = i < oid.length ? oid.charCodeAt(i) : 46;
    if (c === 46) {
      if (v < 0) throw new TypeError(`"${oid}" is not a dotted numeric OID`);
      arcs.push(v);
      v = -1;
    } else if (c >= 48 && c <= 57) {
      if (v === 0) throw new TypeError(`"${oid}" is not a dotted numeric OID`); // leading zero
      v = v < 0 ? c - 48 : v * 10 + (c - 48); // (c - 48) first: v * 10 + c may pass 2^53
      if (v > Number.MAX_SAFE_INTEGER) throw new TypeError(`"${oid}" is not a valid OID`);
    } else throw new TypeError(`"${oid}" is not a dotted numeric OID`);
  }
  if (arcs.length < 2) throw new TypeError(`"${oid}" is not a dotted numeric OID`);
  const a = arcs[0]!;
  const b = arcs[1]!;
  if (a > 2 || (a < 2 && b >= 40) || a * 40 + b > Number.MAX_SAFE_INTEGER) {
    throw new TypeError(`"${oid}" is not a valid OID`);
  }
  arcs.splice(0, 2, a * 40 + b);
  let len = 0;
  for (const n of arcs) len += arcBytes(n);
  return len;
}

export interface RequestFields {
  /** 0 for v1, 1 for v2c. */
  readonly version: 0 | 1;
  readonly community: Buffer;
  readonly pduTag: number;
  readonly requestId: number;
  /** error-status, or non-repeaters for GETBULK. */
  readonly a: number;
  /** error-index, or max-repetitions for GETBULK. */
  readonly b: number;
  readonly oids: readonly string[];
}

/** Encodes a request message; each varbind carries the OID and a NULL value. */
export function encodeRequest(f: RequestFields): Buffer {
  const n = f.oids.length;
  const arcs: number[][] = new Array<number[]>(n);
  const oidLen: number[] = new Array<number>(n);
  let vbList = 0;
  for (let i = 0; i < n; i++) {
    const a: number[] = [];
    const len = parseOid(f.oids[i]!, a);
    arcs[i] = a;
    oidLen[i] = len;
    const tlv = 1 + lengthBytes(len) + len;
    vbList += 1 + lengthBytes(tlv + 2) + tlv + 2; // SEQUENCE { OID, NULL }
  }
  const pduBody =
    2 +
    intContent(f.requestId) +
    2 +
    intContent(f.a) +
    2 +
    intContent(f.b) +
    1 +
    lengthBytes(vbList) +
    vbList;
  const cl = f.community.length;
  const msgBody = 3 + 1 + lengthBytes(cl) + cl + 1 + lengthBytes(pduBody) + pduBody;
  const buf = Buffer.allocUnsafe(1 + lengthBytes(msgBody) + msgBody);
  buf[0] = 0x30;
  let p = writeLength(buf, 1, msgBody);
  p = writeInt(buf, p, f.version);
  buf[p++] = 0x04;
  p = writeLength(buf, p, cl);
  p += f.community.copy(buf, p);
  buf[p++] = f.pduTag;
  p = writeLength(buf, p, pduBody);
  p = writeInt(buf, p, f.requestId);
  p = writeInt(buf, p, f.a);
  p = writeInt(buf, p, f.b);
  buf[p++] = 0x30;
  p = writeLength(buf, p, vbList);
  for (let i = 0; i < n; i++) {
    const len = oidLen[i]!;
    const tlv = 1 + lengthBytes(len) + len;
    buf[p++] = 0x30;
    p = writeLength(buf, p, tlv + 2);
    buf[p++] = 0x06;
    p = writeLength(buf, p, len);
    for (const a of arcs[i]!) p = writeArc(buf, p, a);
    buf[p++] = 0x05;
    buf[p++] = 0x00;
  }
  return buf;
}

// ---------------------------------------------------------------- decoding

export interface DecodedResponse {
  readonly version: number;
  /** The community as received (a view into the datagram). */
  readonly community: Buffer;
  readonly pduTag: number;
  readonly requestId: number;
  readonly errorStatus: number;
  readonly errorIndex: number;
  readonly varbinds: SnmpVarbind[];
}

/** Reads the length at `pos` (after the tag): [content start, content length]. */
function readLength(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) throw new BerError('truncated length');
  const l = buf[pos]!;
  if (l < 0x80) {
    lenOut = l;
    return pos + 1;
  }
  const n = l & 0x7f;
  if (n === 0 || n > 4) throw new BerError('unsupported length encoding');
  if (pos + 1 + n > end) throw new BerError('truncated length');
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + buf[pos + i]!;
  lenOut = len;
  return pos + 1 + n;
}
// Second return value of readLength (avoids an allocation per element).
let lenOut = 0;

/** Expects `tag` at `pos`; returns the content start and sets `lenOut` (checked against `end`). */
function expect(buf: Buffer, pos: number, end: number, tag: number, what: string): number {
  if (pos >= end || buf[pos] !== tag) throw new BerError(`expected ${what}`);
  const start = readLength(buf, pos + 1, end);
  if (start + lenOut > end) throw new BerError(`${what} overruns its container`);
  return start;
}

function readSigned(buf: Buffer, start: number, len: number): number {
  if (len === 0) throw new BerError('zero-length integer');
  let v = buf.readInt8(start);
  for (let i = 1; i < len; i++) v = v * 256 + buf[start + i]!;
  if (!Number.isSafeInteger(v)) throw new BerError('integer too large');
  return v;
}

let scratch = Buffer.allocUnsafe(256);

function writeDigits(b: Buffer, n: number, v: number): number {
  if (v < 10) {
    b[n] = 48 + v;
    return n + 1;
  }
  const start = n;
  while (v > 0) {
    b[n++] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  for (let i = start, j = n - 1; i < j; i++, j--) {
    const t = b[i]!;
    b[i] = b[j]!;
    b[j] = t;
  }
  return n;
}

/**
 * OID content bytes to the dotted string, as one flat string (a rope built by concatenation is
 * slow to compare character by character, and the walker compares every OID it receives).
 */
export function decodeOidContent(buf: Buffer, start: number, len: number): string {
  if (len === 0) throw new BerError('empty OID');
  if (buf[start + len - 1]! & 0x80) throw new BerError('truncated OID arc');
  // An arc of k bytes has at most 3k digits (7 bits per byte), plus its dot: 4 per byte, + 4.
  if (scratch.length < len * 4 + 8) scratch = Buffer.allocUnsafe(len * 4 + 8);
  const sc = scratch;
  let n = 0;
  let value = 0;
  let first = true;
  for (let i = start, end = start + len; i < end; i++) {
    const byte = buf[i]!;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new BerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      if (first) {
        const a = value < 80 ? Math.floor(value / 40) : 2;
        n = writeDigits(sc, n, a);
        sc[n++] = 46;
        n = writeDigits(sc, n, value - a * 40);
        first = false;
      } else {
        sc[n++] = 46;
        n = writeDigits(sc, n, value);
      }
      value = 0;
    }
  }
  return sc.toString('latin1', 0, n);
}

const T_BOOLEAN = 0x01;
const T_INTEGER = 0x02;
const T_BIT_STRING = 0x03;
const T_OCTET_STRING = 0x04;
const T_NULL = 0x05;
const T_OID = 0x06;
const T_IP_ADDRESS = 0x40;
const T_COUNTER32 = 0x41;
const T_GAUGE32 = 0x42;
const T_TIMETICKS = 0x43;
const T_OPAQUE = 0x44;
const T_COUNTER64 = 0x46;
const T_NO_SUCH_OBJECT = 0x80;
const T_NO_SUCH_INSTANCE = 0x81;
const T_END_OF_MIB_VIEW = 0x82;

/** A value in net-snmp's representation (so decodeValue serves both paths). */
function readValue(buf: Buffer, type: number, start: number, len: number): unknown {
  switch (type) {
    case T_INTEGER:
      return readSigned(buf, start, len);
    case T_COUNTER32:
    case T_GAUGE32:
    case T_TIMETICKS:
      return readSigned(buf, start, len) >>> 0;
    case T_OCTET_STRING:
    case T_OPAQUE:
    case T_COUNTER64:
    case T_BIT_STRING:
      return buf.subarray(start, start + len);
    case T_NULL:
    case T_NO_SUCH_OBJECT:
    case T_NO_SUCH_INSTANCE:
    case T_END_OF_MIB_VIEW:
      return null;
    case T_OID:
      return decodeOidContent(buf, start, len);
    case T_IP_ADDRESS:
      if (len !== 4) throw new BerError(`IpAddress of ${len} bytes`);
      return `${buf[start]!}.${buf[start + 1]!}.${buf[start + 2]!}.${buf[start + 3]!}`;
    case T_BOOLEAN:
      if (len !== 1) throw new BerError('bad BOOLEAN');
      return buf[start] !== 0;
    default:
      throw new BerError(`unknown value type 0x${type.toString(16)}`);
  }
}

/** Decodes a v1/v2c message carrying a PDU (any PDU tag; the caller checks it is a Response). */
export function decodeMessage(buf: Buffer): DecodedResponse {
  const end = buf.length;
  let p = expect(buf, 0, end, 0x30, 'message SEQUENCE');
  const msgEnd = p + lenOut;
  p = expect(buf, p, msgEnd, 0x02, 'version');
  const version = readSigned(buf, p, lenOut);
  p += lenOut;
  p = expect(buf, p, msgEnd, 0x04, 'community');
  const community = buf.subarray(p, p + lenOut);
  p += lenOut;
  if (p >= msgEnd) throw new BerError('missing PDU');
  const pduTag = buf[p]!;
  if ((pduTag & 0xe0) !== 0xa0) throw new BerError('expected a PDU');
  p = readLength(buf, p + 1, msgEnd);
  const pduEnd = p + lenOut;
  if (pduEnd > msgEnd) throw new BerError('PDU overruns the message');
  p = expect(buf, p, pduEnd, 0x02, 'request-id');
  const requestId = readSigned(buf, p, lenOut);
  p += lenOut;
  p = expect(buf, p, pduEnd, 0x02, 'error-status');
  const errorStatus = readSigned(buf, p, lenOut);
  p += lenOut;
  p = expect(buf, p, pduEnd, 0x02, 'error-index');
  const errorIndex = readSigned(buf, p, lenOut);
  p += lenOut;
  p = expect(buf, p, pduEnd, 0x30, 'varbind list');
  const listEnd = p + lenOut;
  const varbinds: SnmpVarbind[] = [];
  while (p < listEnd) {
    p = expect(buf, p, listEnd, 0x30, 'varbind');
    const vbEnd = p + lenOut;
    p = expect(buf, p, vbEnd, T_OID, 'varbind OID');
    const oid = decodeOidContent(buf, p, lenOut);
    p += lenOut;
    if (p >= vbEnd) throw new BerError('varbind without a value');
    const type = buf[p]!;
    p = readLength(buf, p + 1, vbEnd);
    if (p + lenOut > vbEnd) throw new BerError('value overruns its varbind');
    const value = readValue(buf, type, p, lenOut);
    p = vbEnd;
    varbinds.push({ oid, type, value });
  }
  return { version, community, pduTag, requestId, errorStatus, errorIndex, varbinds };
}
