import { createRequire } from 'node:module';
import asn1 from 'asn1-ber';
import type { BerReader, BerWriter } from 'asn1-ber';
import { decodeOidContent } from './community-codec.js';

const PATCHED = Symbol.for('pollfleet.fastReadOID');
const OID_TAG = 0x06;

/**
 * The asn1-ber versions whose private reader/writer fields (`_buf`, `_offset`, `_size`,
 * `readLength`, `_ensure`) the patch below was written and tested against. Any other version
 * keeps asn1-ber's own `readOID`/`writeOID`: slower, never wrong.
 */
const PATCHABLE_ASN1_BER = /^1\.2\.\d+$/;

/** asn1-ber's `Ber` object as far as the patch needs it. */
export interface Asn1BerModule {
  readonly Ber: { readonly Reader: { prototype: object }; readonly Writer: { prototype: object } };
}

/** Whether the fast OID codec is in place, and why not when it is not. */
export type FastOidStatus =
  | { readonly installed: true; readonly version: string }
  | { readonly installed: false; readonly version: string | undefined; readonly reason: string };

function installedAsn1Ber(): { version: string | undefined; sameAsNetSnmp: boolean } {
  const req = createRequire(import.meta.url);
  let version: string | undefined;
  try {
    version = (req('asn1-ber/package.json') as { version?: unknown }).version as string;
  } catch {
    version = undefined;
  }
  let sameAsNetSnmp = false;
  try {
    // The copy net-snmp loads (it could have a nested one of its own).
    sameAsNetSnmp = createRequire(req.resolve('net-snmp'))('asn1-ber') === asn1;
  } catch {
    sameAsNetSnmp = false;
  }
  return { version, sameAsNetSnmp };
}

let status: FastOidStatus | undefined;

/**
 * Installs the fast OID decoder into the asn1-ber copy net-snmp uses, once per process, when
 * that copy is a version it was written for ({@link PATCHABLE_ASN1_BER}); otherwise leaves
 * asn1-ber alone and says why.
 */
export function installFastOidDecoder(): FastOidStatus {
  if (status) return status;
  const { version, sameAsNetSnmp } = installedAsn1Ber();
  status = sameAsNetSnmp
    ? patchAsn1Ber(asn1, version)
    : { installed: false, version, reason: 'net-snmp loads another copy of asn1-ber' };
  return status;
}

/**
 * Patches `ber` (asn1-ber's module object) if `version` is one the patch knows and the
 * prototype has the members it relies on; otherwise leaves it untouched. Exported for tests.
 */
export function patchAsn1Ber(ber: Asn1BerModule, version: string | undefined): FastOidStatus {
  if (version === undefined || !PATCHABLE_ASN1_BER.test(version)) {
    return {
      installed: false,
      version,
      reason: `asn1-ber ${version ?? '(unknown version)'} is not a version the fast OID codec was written for (1.2.x)`,
    };
  }
  const r = ber.Ber.Reader.prototype as Partial<BerReader>;
  const w = ber.Ber.Writer.prototype as Partial<BerWriter>;
  if (
    typeof r.readOID !== 'function' ||
    typeof r.readLength !== 'function' ||
    typeof w.writeOID !== 'function' ||
    typeof w._ensure !== 'function'
  ) {
    return { installed: false, version, reason: `asn1-ber ${version} lacks readLength/_ensure` };
  }
  installReader(r as BerReader);
  installOidEncoderCache(w as BerWriter);
  return { installed: true, version };
}

/**
 * asn1-ber's `readOID` (which net-snmp calls for every varbind) copies the bytes into a new
 * Buffer, pushes each arc into an array and joins it: the single most expensive step of decoding
 * a GETBULK reply in our CPU profile. This decodes straight from the message buffer into one
 * flat dotted string (the v1/v2c codec's decoder). Same results (X.690 first-arc rule, arcs up to 2^53), same `null` on truncation;
 * anything unusual (another tag) falls back to the original.
 */
function installReader(reader: BerReader): void {
  const proto = reader as BerReader & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  const original = proto.readOID;
  proto.readOID = function readOID(this: BerReader, tag?: number): string | null {
    const t = tag ?? OID_TAG;
    if (this._offset >= this._size || this._buf[this._offset] !== t)
      return original.call(this, tag);
    const o = this.readLength(this._offset + 1);
    if (o === null || this.length > this._size - o) return null;
    const end = o + this.length;
    let out: string;
    try {
      out = decodeOidContent(this._buf, o, this.length);
    } catch {
      return original.call(this, tag); // malformed: asn1-ber's own behaviour
    }
    this._offset = end;
    return out;
  };
  proto[PATCHED] = true;
}

const ENCODED_CACHE_MAX = 8192;

/**
 * Requests mostly carry the same OIDs poll after poll (scalars, table columns): keep their
 * encoding (bounded) instead of asn1-ber's validate-split-parse on every request.
 */
function installOidEncoderCache(writer: BerWriter): void {
  const proto = writer as BerWriter & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  const original = proto.writeOID;
  const cache = new Map<string, Buffer>();
  proto.writeOID = function writeOID(this: BerWriter, s: string, tag?: number): void {
    if (tag !== undefined && tag !== OID_TAG) return original.call(this, s, tag);
    const hit = cache.get(s);
    if (hit) {
      this._ensure(hit.length);
      hit.copy(this._buf, this._offset);
      this._offset += hit.length;
      return;
    }
    const start = this._offset;
    original.call(this, s, tag);
    if (cache.size >= ENCODED_CACHE_MAX) cache.clear();
    cache.set(s, Buffer.from(this._buf.subarray(start, this._offset)));
  };
  proto[PATCHED] = true;
}
