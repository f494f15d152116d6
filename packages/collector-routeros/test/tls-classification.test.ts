import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import { RouterOsConnection } from '@pollfleet/collector-routeros';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';

it('a certificate whose key usage forbids server use is a permanent ROS_TLS_VERIFY failure', async () => {
  const { key, cert } = generateSelfSignedCertificate('localhost', ['extendedKeyUsage=clientAuth']);
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
