import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectorRegistry, systemClock } from '@pollfleet/core';
import type { Collector } from '@pollfleet/core';
import { registerRouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsCollector } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

/** A pod: the collector as the poller builds it, through the registry, on the fleet's store. */
function pod(root: MemorySharedState): RouterOsCollector {
  const registry = registerRouterOsCollector(new CollectorRegistry());
  const c = registry.get('routeros', {
    logger: testLogger(),
    clock: systemClock,
    sharedState: root,
  });
  return c as Collector as RouterOsCollector;
}

describe('RouterOS shared-state keys, as pods built by the registry see them', () => {
  let api: RouterOsSimulator;
  let rest: RouterOsSimulator;
  before(async () => {
    api = await RouterOsSimulator.start({ routers: 1 });
    rest = await RouterOsSimulator.start({
      routers: 1,
      tls: generateSelfSignedCertificate(),
      protocol: 'rest',
    });
  });
  after(async () => {
    await api.close();
    await rest.close();
  });

  const auto = () => ({
    transport: 'auto',
    tls: { mode: 'insecure-self-signed' },
    restPort: rest.router(0).port,
  });

  it('auto writes routeros:transport:<id> (the collector name once) in the fleet store', async () => {
    const root = new MemorySharedState();
    const a = pod(root);
    try {
      await a.collect(routerDevice(a, api.router(0), 'k1', auto()), collectContext());
      assert.equal(await root.get('routeros:transport:k1'), 'api');
      assert.equal(await root.get('routeros:routeros:transport:k1'), undefined);
    } finally {
      await a.close();
    }
  });

  it('a second pod follows routeros:transport:<id> without probing the API port', async () => {
    const root = new MemorySharedState();
    // What another pod found: REST. The API port answers too, so a probe would pick "api".
    await root.set('routeros:transport:k2', 'rest', 60_000);
    const b = pod(root);
    try {
      const res = await b.collect(routerDevice(b, api.router(0), 'k2', auto()), collectContext());
      assert.equal(res.data.transport, 'rest');
      assert.equal(api.router(0).stats.connections, 1, 'only the first test connected to the API');
    } finally {
      await b.close();
    }
  });
});
