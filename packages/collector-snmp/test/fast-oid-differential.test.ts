/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-explicit-any -- asn1-ber has no types */
import { createRequire } from 'node:module';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { installFastOidDecoder } from '@pollfleet/collector-snmp';

const asn1: any = createRequire(import.meta.url)('asn1-ber');

it('the fast OID decoder agrees with asn1-ber on 200 000 random encodings, except where asn1-ber is wrong', () => {
  const original = asn1.Ber.Reader.prototype.readOID;
  installFastOidDecoder();
  const fast = asn1.Ber.Reader.prototype.readOID;
  assert.notEqual(fast, original, 'the decoder was installed');
  const run = (f: any, b: Buffer): string => {
    const r = new asn1.Ber.Reader(b);
    try {
      return JSON.stringify([f.call(r), r._offset]);
    } catch (e) {
      return `THROW ${(e as Error).message}`;
    }
  };
  // mulberry32: a 32-bit PRNG that stays exact in doubles (an LCG multiplied in doubles does not).
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const unexpected: string[] = [];
  let compared = 0;
  for (let k = 0; k < 200_000; k++) {
    const len = rnd(12);
    const body = Buffer.from(
      Array.from({ length: len }, () => (rnd(3) === 0 ? rnd(256) : rnd(128))),
    );
    const lenBytes =
      rnd(10) === 0 ? [0x81, len] : rnd(20) === 0 ? [len + rnd(5)] : rnd(30) === 0 ? [0x80] : [len];
    const cut = rnd(15) === 0 ? rnd(len + 1) : len;
    const b = Buffer.concat([Buffer.from([0x06, ...lenBytes]), body.subarray(0, cut)]);
    const a = run(original, b);
    const f = run(fast, b);
    compared++;
    if (a === f) continue;
    // Known and intended: asn1-ber decodes a first arc >= 80 (or a multi-byte first arc) as
    // 3.x instead of X.690's 2.(x-80), and bytes that complete no arc as "0.NaN" (the fast
    // decoder gives ""; both are garbage for a malformed encoding).
    const firstArcBig = len > 0 && (body[0]! >= 80 || (body[0]! & 0x80) !== 0);
    if (firstArcBig && !f.startsWith('THROW') && /^\["2\./.test(f)) continue;
    // asn1-ber wraps arcs of 2^32 and more modulo 2^32; the fast decoder keeps them exact.
    const arcsOf = (r: string): string[] => (JSON.parse(r) as [string])[0].split('.');
    if (!a.startsWith('THROW') && !f.startsWith('THROW') && a !== 'null' && f.includes('.')) {
      const [fa, oa] = [arcsOf(f), arcsOf(a)];
      const wrapped =
        fa.length === oa.length &&
        fa.some((x) => Number(x) >= 2 ** 32) &&
        fa.every((x, i) => Number(x) % 2 ** 32 === Number(oa[i]) % 2 ** 32);
      if (wrapped) continue;
    }
    const noCompleteArc = !body.subarray(0, cut).some((x) => (x & 0x80) === 0);
    if (noCompleteArc && a.includes('0.NaN') && f.startsWith('[""')) continue;
    if (unexpected.length < 5) unexpected.push(`${b.toString('hex')}: asn1-ber=${a} fast=${f}`);
  }
  assert.equal(compared, 200_000);
  assert.deepEqual(unexpected, []);
});
