import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate (its own CA, as RouterOS generates them). */
  readonly cert: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by colons. */
  readonly fingerprint256: string;
}

/**
 * A fresh self-signed certificate for `commonName`, valid for localhost and 127.0.0.1,
 * made with the openssl CLI in a temporary directory that is removed afterwards.
 */
export function generateSelfSignedCertificate(
  commonName = 'router.test',
  /** More `-addext` values, e.g. `extendedKeyUsage=clientAuth` for a certificate unfit for servers. */
  extraExtensions: readonly string[] = [],
): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'pollfleet-ros-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        ...extraExtensions.flatMap((e) => ['-addext', e]),
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(keyPath, 'utf8');
    const cert = readFileSync(certPath, 'utf8');
    return { key, cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
