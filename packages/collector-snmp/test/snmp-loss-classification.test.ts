import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CollectError } from '@pollfleet/core';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector, AUTH_PRIV_OPTIONS } from './helpers.js';
let agent: SnmpAgent;
before(async () => {
  agent = await startSnmpAgent();
});
after(async () => {
  await agent.stop();
});

/** Loopback proxy that loses the first `drop` requests (a short burst of packet loss). */
async function lossyProxy(target: number, drop: number) {
  const front = createSocket('udp4');
  const up = createSocket('udp4');
  let seen = 0;
  let client: RemoteInfo | undefined;
  front.on('message', (m, r) => {
    client = r;
    if (++seen > drop) up.send(m, target, '127.0.0.1');
  });
  up.on('message', (m) => client && front.send(m, client.port, client.address));
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  return {
    port: front.address().port,
    close: () => {
      front.close();
      up.close();
    },
  };
}

it('authPriv with correct keys + 2 lost datagrams: not a permanent failure', async () => {
  const proxy = await lossyProxy(agent.port, 2);
  const c = makeCollector();
  try {
    const d = device(
      c,
      proxy.port,
      {
        ...AUTH_PRIV_OPTIONS,
        timeoutMs: 200,
        retries: 1,
      },
      { id: 'lossy' },
    );
    const first = await c.collect(d, context()).then(
      () => 'ok',
      (e: CollectError) => `${e.kind} ${e.code}`,
    );
    const second = await c.collect(d, context()).then(
      () => 'ok',
      (e: CollectError) => `${e.kind} ${e.code}`,
    );
    assert.notEqual(first, 'permanent SNMP_DECRYPTION_FAILED', `first=${first} second=${second}`);
  } finally {
    await c.close();
    proxy.close();
  }
});
