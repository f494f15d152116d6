import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectError } from '@pollfleet/core';
import { RouterOsConnection } from '@pollfleet/collector-routeros';
import { RouterOsSimulator } from '@pollfleet/testing/routeros-simulator';

it('a certificate whose key usage forbids server use is a permanent ROS_TLS_VERIFY failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eku-'));
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
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'extendedKeyUsage=clientAuth',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'k.pem'), 'utf8');
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const sim = await RouterOsSimulator.start({ routers: 1, tls: { key, cert } });
  const r = sim.router(0);
  try {
    const e = await RouterOsConnection.open({
      host: r.host,
      port: r.port,
      tls: { mode: 'verify', ca: cert },
    }).then(
      (c) => {
        c.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    assert.ok(e instanceof CollectError, 'connected despite the EKU');
    assert.equal(e.code, 'ROS_TLS_VERIFY');
    assert.equal(e.kind, 'permanent');
  } finally {
    await sim.close();
  }
});
