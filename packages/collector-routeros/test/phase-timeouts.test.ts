import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import { callCollector } from '@pollfleet/core/internal';
import type { DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsOptions } from '@pollfleet/collector-routeros';
import { FakeClock, MemorySharedState, flushMicrotasks, testLogger } from '@pollfleet/testing';
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';
import type { SimulatedRouter } from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

/** Waits (on real I/O, no time limit of its own) until the simulator shows `cond`. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/**
 * At default settings (connect 5 s, commands 10 s) and a device timeout_ms of 5000, the phase
 * that hangs is named in the poll's error, not the engine's "poll did not finish".
 */
describe('RouterOS phase timeouts capped by the device timeout', () => {
  let plain: RouterOsSimulator;
  let secure: RouterOsSimulator;
  let clock: FakeClock;
  let collector: RouterOsCollector;
  before(async () => {
    plain = await RouterOsSimulator.start({ routers: 2 });
    secure = await RouterOsSimulator.start({ routers: 1, tls: generateSelfSignedCertificate() });
  });
  after(async () => {
    await plain.close();
    await secure.close();
  });

  const setup = () => {
    clock = new FakeClock(Date.now());
    collector = new RouterOsCollector({
      logger: testLogger(),
      clock,
      sharedState: new MemorySharedState(),
    });
  };

  /** A poll as the engine runs it: aborted with POLL_TIMEOUT at the device's timeout_ms. */
  function engineCall(d: DeviceSpec<RouterOsOptions>): Promise<CollectError> {
    const ctx = collectContext();
    const call = callCollector(
      collector,
      d,
      { credentials: ctx.credentials, scheduledFor: clock.now(), logger: ctx.logger },
      clock,
      new AbortController().signal,
    );
    return call.result.then(
      () => assert.fail('the poll succeeded'),
      (e: unknown) => {
        assert.ok(e instanceof CollectError, String(e));
        return e;
      },
    );
  }

  async function expire(d: DeviceSpec<RouterOsOptions>, p: Promise<CollectError>) {
    await clock.advance(d.timeoutMs);
    return p;
  }

  it('a login that is never answered is ROS_LOGIN_TIMEOUT', async () => {
    setup();
    const r: SimulatedRouter = plain.router(0);
    r.faults = { hangLogin: true };
    try {
      const d = routerDevice(collector, r, 'hung-login');
      const p = engineCall(d);
      await until(() => r.stats.loginAttempts === 1);
      const e = await expire(d, p);
      assert.equal(e.code, 'ROS_LOGIN_TIMEOUT', e.message);
      assert.equal(e.kind, 'transient');
      assert.match(e.message, /did not answer the login within 4900 ms \(what was left/);
    } finally {
      r.faults = {};
      await collector.close();
    }
  });

  it('a print the router never finishes is ROS_COMMAND_TIMEOUT naming the command', async () => {
    setup();
    const r = plain.router(1);
    const d = routerDevice(collector, r, 'slow-router');
    try {
      await collector.collect(d, collectContext()); // logged in, connection kept
      const before = r.stats.commands;
      r.faults = { stall: ['/interface'] };
      const p = engineCall(d);
      await until(() => r.stats.commands === before + 5); // every print of the poll was sent
      const e = await expire(d, p);
      assert.equal(e.code, 'ROS_COMMAND_TIMEOUT', e.message);
      assert.match(e.message, /\/interface\/print: no complete reply within 4900 ms/);
    } finally {
      r.faults = {};
      await collector.close();
    }
  });

  it('a TLS handshake that never completes is ROS_TLS_HANDSHAKE_TIMEOUT', async () => {
    setup();
    const r = secure.router(0);
    r.faults = { hangAfterAccept: true };
    try {
      const d = routerDevice(collector, r, 'hung-tls', {
        transport: 'api-ssl',
        tls: { mode: 'insecure-self-signed' },
      });
      const p = engineCall(d);
      await until(() => r.stats.connections === 1);
      await flushMicrotasks(); // the client has seen its TCP connect too
      const e = await expire(d, p);
      assert.equal(e.code, 'ROS_TLS_HANDSHAKE_TIMEOUT', e.message);
      assert.match(e.message, /TCP connected, but the TLS handshake did not complete/);
    } finally {
      r.faults = {};
      await collector.close();
    }
  });
});
