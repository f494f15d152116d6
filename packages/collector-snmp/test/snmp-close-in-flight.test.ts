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
  // A poll close() left running would end at its budget, as a timeout: the outcome, not the
  // wall-clock time, tells the two apart (a time bound would fail on a loaded machine).
  const p = c.collect(device(c, agent.port, {}, { timeoutMs: 30_000 }), context()).then(
    () => 'ok',
    (e: { code?: string; message?: string }) => `${e.code} ${e.message}`,
  );
  await Promise.resolve();
  await Promise.resolve();
  await c.close();
  const outcome = await p;
  // Aborted by close(), or answered already; never left to run out its budget.
  assert.match(outcome, /^(ok|SNMP_ABORTED )/, `after close(): ${outcome}`);
});
