import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { LabConfigError } from '../errors.js';

export interface SelfSignedCertificate {
  /** PEM private key (PKCS#8). */
  readonly key: string;
  /** PEM certificate (its own CA, as RouterOS generates them). */
  readonly cert: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by colons. */
  readonly fingerprint256: string;
}

// A minimal DER writer: just what one X.509 v3 certificate needs. Node has no API that makes
// certificates, and the openssl CLI is not on every machine the demo runs on.
function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 + n, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
function int(b: Buffer): Buffer {
  return tlv(0x02, (b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const arc of rest) {
    const enc = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) enc.unshift(0x80 | (v & 0x7f));
    out.push(...enc);
  }
  return tlv(0x06, Buffer.from(out));
}
function utcTime(ms: number): Buffer {
  // UTCTime is good until 2049; the lab's certificates live two days.
  const iso = new Date(ms).toISOString(); // 2026-12-01T23:32:45.123Z
  const s = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
  const t = iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19);
  return tlv(0x17, Buffer.from(`${s}${t}Z`, 'ascii'));
}
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function parseExtraExtension(text: string, i: number): Buffer {
  const m = /^extendedKeyUsage\s*=\s*(.+)$/.exec(text);
  const usages = m?.[1]?.split(',').map((u) => u.trim());
  if (!usages || usages.some((u) => EXTENDED_KEY_USAGES[u] === undefined)) {
    throw new LabConfigError(
      `extraExtensions[${i}]`,
      `"${text}" is not supported: only extendedKeyUsage=serverAuth and/or clientAuth`,
    );
  }
  return extension('2.5.29.37', false, seq(...usages.map((u) => oid(EXTENDED_KEY_USAGES[u]!))));
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * A fresh self-signed certificate for `commonName` (ECDSA P-256, SHA-256), valid from `now`
 * for two days, for localhost and 127.0.0.1, made with node:crypto (no openssl needed).
 */
export function generateSelfSignedCertificate(
  commonName = 'router.test',
  /**
   * More extensions in openssl's `-addext` notation; only `extendedKeyUsage=...` (serverAuth,
   * clientAuth) is understood, e.g. `extendedKeyUsage=clientAuth` for a certificate unfit for servers.
   */
  extraExtensions: readonly string[] = [],
  now: number = Date.now(),
): SelfSignedCertificate {
  const extras = extraExtensions.map(parseExtraExtension);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(tlv(0x31, seq(oid('2.5.4.3'), utf8(commonName))));
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 1;
  // The subject key identifier: SHA-1 of the public key's bits (the last 65 bytes of a P-256 SPKI).
  const keyId = createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
  const san = seq(
    tlv(0x82, Buffer.from('localhost', 'ascii')),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
  );
  const tbs = seq(
    explicit(0, int(Buffer.from([2]))),
    int(serial),
    ecdsaWithSha256,
    name,
    seq(utcTime(now - 60_000), utcTime(now + 2 * 86_400_000)),
    name,
    spki,
    explicit(
      3,
      seq(
        extension('2.5.29.14', false, octets(keyId)),
        extension('2.5.29.17', false, san),
        extension('2.5.29.19', true, seq(bool(true))),
        ...extras,
      ),
    ),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA signature
  const cert = pem('CERTIFICATE', seq(tbs, ecdsaWithSha256, bits(signature)));
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { key, cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
