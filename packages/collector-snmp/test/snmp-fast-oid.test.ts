import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { installFastOidDecoder, patchAsn1Ber } from '@pollfleet/collector-snmp';
import type { Asn1BerModule } from '@pollfleet/collector-snmp';

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
  const status = installFastOidDecoder();
  installFastOidDecoder(); // idempotent

  it('is installed into the asn1-ber copy net-snmp uses (the installed 1.2.x)', () => {
    assert.equal(status.installed, true, JSON.stringify(status));
    const fromNetSnmp = createRequire(createRequire(import.meta.url).resolve('net-snmp'))(
      'asn1-ber',
    ) as { Ber: { Reader: { prototype: object } } };
    assert.ok(Symbol.for('pollfleet.fastReadOID') in fromNetSnmp.Ber.Reader.prototype);
  });

  it('leaves another asn1-ber version untouched, and decodes with its own readOID', () => {
    for (const version of ['2.0.0', '1.3.0', '1.2', undefined]) {
      const fake = fakeAsn1Ber();
      const before = fake.Ber.Reader.prototype.readOID;
      const beforeW = fake.Ber.Writer.prototype.writeOID;
      const s = patchAsn1Ber(fake, version);
      assert.equal(s.installed, false, String(version));
      assert.ok(!s.installed && /not a version/.test(s.reason), JSON.stringify(s));
      assert.equal(fake.Ber.Reader.prototype.readOID, before, 'reader untouched');
      assert.equal(fake.Ber.Writer.prototype.writeOID, beforeW, 'writer untouched');
    }
    // The same shape at a known version is patched (so the check above is what kept it out).
    const fake = fakeAsn1Ber();
    const before = fake.Ber.Reader.prototype.readOID;
    assert.equal(patchAsn1Ber(fake, '1.2.9').installed, true);
    assert.notEqual(fake.Ber.Reader.prototype.readOID, before);
  });

  it('leaves a 1.2.x without the members it relies on untouched', () => {
    const fake = fakeAsn1Ber();
    delete fake.Ber.Reader.prototype.readLength;
    const before = fake.Ber.Reader.prototype.readOID;
    const s = patchAsn1Ber(fake, '1.2.2');
    assert.equal(s.installed, false);
    assert.equal(fake.Ber.Reader.prototype.readOID, before);
  });

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

/** A stand-in for asn1-ber's module object, with prototypes of its own (the real one stays as is). */
interface FakeAsn1Ber extends Asn1BerModule {
  readonly Ber: {
    readonly Reader: {
      prototype: { readOID: () => string | null; readLength?: () => number | null };
    };
    readonly Writer: { prototype: { writeOID: () => void } };
  };
}

function fakeAsn1Ber(): FakeAsn1Ber {
  class Reader {
    readOID(): string | null {
      return 'original';
    }
    readLength(): number | null {
      return null;
    }
  }
  class Writer {
    writeOID(): void {}
    _ensure(): void {}
  }
  return { Ber: { Reader, Writer } };
}
