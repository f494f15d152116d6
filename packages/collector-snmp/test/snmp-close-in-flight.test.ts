import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import { context, device, makeCollector } from './helpers.js';
let agent: SnmpAgent;
before(async () => {
  agent = await startSnmpAgent();
});
after(async () => {
  await agent.stop();
});
it('close() right after collect(): the in-flight poll settles at once, not at its budget', async () => {
  const c = makeCollector();
  const t0 = Date.now();
  const p = c.collect(device(c, agent.port, {}, { timeoutMs: 5000 }), context()).then(
    () => 'ok',
    (e: { code?: string; message?: string }) => `${e.code} ${e.message}`,
  );
  await Promise.resolve();
  await Promise.resolve();
  await c.close();
  const outcome = await p;
  const ms = Date.now() - t0;
  assert.ok(ms < 1000, `poll settled ${ms} ms after close(): ${outcome}`);
});
