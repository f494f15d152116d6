import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import { RouterOsConnection } from '@pollfleet/collector-routeros';
import type { TlsSettings } from '@pollfleet/collector-routeros';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import type { SelfSignedCertificate } from '@pollfleet/testing/routeros-simulator';

describe('api-ssl (TLS) against the simulator', () => {
  let sim: RouterOsSimulator;
  let cert: SelfSignedCertificate;
  let other: SelfSignedCertificate;
  before(async () => {
    cert = generateSelfSignedCertificate('router.test');
    other = generateSelfSignedCertificate('someone-else');
    sim = await RouterOsSimulator.start({ routers: 2, tls: cert });
  });
  after(() => sim.close());

  async function identity(tls: TlsSettings, connectTimeoutMs = 5000): Promise<string | undefined> {
    const r = sim.router(0);
    const c = await RouterOsConnection.open({ host: r.host, port: r.port, tls, connectTimeoutMs });
    try {
      await c.login('admin', 'secret');
      return (await c.command(['/system/identity/print'])).items[0]?.['name'];
    } finally {
      c.close();
    }
  }

  const expectPermanent = (code: string) => (e: unknown) => {
    assert.ok(e instanceof CollectError);
    assert.equal(e.code, code, e.message);
    assert.equal(e.kind, 'permanent');
    return true;
  };

  it('verifies the certificate against a given CA', async () => {
    assert.equal(await identity({ mode: 'verify', ca: cert.cert }), `sim-${sim.router(0).port}`);
  });

  it('fails verification permanently without the CA, or with the wrong one', async () => {
    await assert.rejects(identity({ mode: 'verify' }), expectPermanent('ROS_TLS_VERIFY'));
    await assert.rejects(
      identity({ mode: 'verify', ca: other.cert }),
      expectPermanent('ROS_TLS_VERIFY'),
    );
  });

  it('checks the host name unless told which name the certificate carries', async () => {
    // The certificate names localhost and 127.0.0.1, not router.example.
    await assert.rejects(
      identity({ mode: 'verify', ca: cert.cert, servername: 'router.example' }),
      expectPermanent('ROS_TLS_VERIFY'),
    );
  });

  it('accepts a pinned fingerprint in any notation, rejects any other', async () => {
    assert.ok(await identity({ mode: 'fingerprint', fingerprint: cert.fingerprint256 }));
    const bare = cert.fingerprint256.replaceAll(':', '').toLowerCase();
    assert.ok(await identity({ mode: 'fingerprint', fingerprint: bare }));
    await assert.rejects(
      identity({ mode: 'fingerprint', fingerprint: other.fingerprint256 }),
      expectPermanent('ROS_TLS_FINGERPRINT'),
    );
  });

  it('accepts a self-signed certificate only when told so explicitly', async () => {
    assert.ok(await identity({ mode: 'insecure-self-signed' }));
  });

  it('times out a TLS handshake that never completes (accept-then-hang)', async () => {
    const r = sim.router(1);
    r.faults = { hangAfterAccept: true };
    await assert.rejects(
      RouterOsConnection.open({
        host: r.host,
        port: r.port,
        tls: { mode: 'insecure-self-signed' },
        connectTimeoutMs: 150,
      }),
      (e: unknown) =>
        e instanceof CollectError &&
        e.code === 'ROS_TLS_HANDSHAKE_TIMEOUT' &&
        e.kind === 'transient',
    );
  });
});
