import asn1 from 'asn1-ber';
import type { BerReader, BerWriter } from 'asn1-ber';
import { decodeOidContent } from './community-codec.js';

const PATCHED = Symbol.for('pollfleet.fastReadOID');
const OID_TAG = 0x06;

/**
 * asn1-ber's `readOID` (which net-snmp calls for every varbind) copies the bytes into a new
 * Buffer, pushes each arc into an array and joins it: the single most expensive step of decoding
 * a GETBULK reply in our CPU profile. This decodes straight from the message buffer into one
 * flat dotted string (the v1/v2c codec's decoder). Same results (X.690 first-arc rule, arcs up to 2^53), same `null` on truncation;
 * anything unusual (another tag) falls back to the original. Installed once per process.
 */
export function installFastOidDecoder(): void {
  const proto = asn1.Ber.Reader.prototype as BerReader & { [PATCHED]?: true };
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
  installOidEncoderCache();
}

const ENCODED_CACHE_MAX = 8192;

/**
 * Requests mostly carry the same OIDs poll after poll (scalars, table columns): keep their
 * encoding (bounded) instead of asn1-ber's validate-split-parse on every request.
 */
function installOidEncoderCache(): void {
  const proto = asn1.Ber.Writer.prototype as BerWriter & { [PATCHED]?: true };
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
