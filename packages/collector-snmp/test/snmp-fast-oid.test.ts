import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { installFastOidDecoder } from '@pollfleet/collector-snmp';

interface BerWriter {
  writeOID(oid: string): void;
  readonly buffer: Buffer;
}
interface BerReader {
  readOID(): string | null;
}
const asn1 = createRequire(import.meta.url)('asn1-ber') as {
  Ber: { Writer: new () => BerWriter; Reader: new (b: Buffer) => BerReader };
};

function encode(oid: string): Buffer {
  const w = new asn1.Ber.Writer();
  w.writeOID(oid);
  return w.buffer;
}

describe('fast OID decoder (replaces asn1-ber readOID)', () => {
  installFastOidDecoder();
  installFastOidDecoder(); // idempotent

  it('round-trips 5,000 random OIDs encoded by asn1-ber itself', () => {
    let seed = 42;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let k = 0; k < 5000; k++) {
      const arcs = [rnd(2), rnd(40)];
      const len = 1 + rnd(14);
      for (let i = 0; i < len; i++) arcs.push(rnd(3) === 0 ? rnd(2 ** 31) : rnd(300));
      const oid = arcs.join('.');
      assert.equal(new asn1.Ber.Reader(encode(oid)).readOID(), oid);
    }
  });

  it('encodes a cached OID exactly as the first time, also mid-buffer', () => {
    const a = encode('1.3.6.1.2.1.2.2.1.10');
    const b = encode('1.3.6.1.2.1.2.2.1.10');
    assert.deepEqual(b, a);
    const w = new asn1.Ber.Writer();
    w.writeOID('1.3.6.1.2.1.2.2.1.10');
    w.writeOID('1.3.6.1.2.1.2.2.1.10');
    assert.deepEqual(w.buffer, Buffer.concat([a, a]));
  });

  it('returns null on a truncated OID, like the original', () => {
    const b = encode('1.3.6.1.2.1.1.3.0');
    assert.equal(new asn1.Ber.Reader(b.subarray(0, b.length - 2)).readOID(), null);
  });
});
