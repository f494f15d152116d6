import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError } from '@pollfleet/core';
import type { SnmpCollector } from '@pollfleet/collector-snmp';
import {
  freeUdpPort,
  SNMP_AGENT_SECRETS as S,
  SNMP_AGENT_USERS as U,
  startSnmpAgent,
  startUdpDelayProxy,
} from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';
import {
  capturingLogger,
  context,
  device,
  makeCollector,
  watchProcessErrors,
  AUTH_PRIV_OPTIONS,
} from './helpers.js';

const processErrors = watchProcessErrors();
const log = capturingLogger();
const ctxf = (secrets: Record<string, string> = S, signal?: AbortSignal) =>
  context(secrets, signal, log.logger);

/** Asserts the poll rejects with a CollectError of this code and kind. */
async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  kind: 'transient' | 'permanent',
): Promise<CollectError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CollectError, `not a CollectError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind);
    return err;
  }
  assert.fail(`expected ${code}`);
}

const fast = { timeoutMs: 200, retries: 1 };
const authPriv = AUTH_PRIV_OPTIONS;

describe('SNMP faults are classified for the breaker and never crash the process', () => {
  let agent: SnmpAgent;
  let collector: SnmpCollector;
  const errors: CollectError[] = [];
  const results: unknown[] = [];
  before(async () => {
    agent = await startSnmpAgent();
    collector = makeCollector({}, undefined, log.logger);
  });
  after(async () => {
    await collector.close();
    await agent.stop();
    assert.deepEqual(processErrors, []);
  });

  it('closed port: transient SNMP_TIMEOUT, "wrong community or unreachable"', async () => {
    const port = await freeUdpPort();
    const e = await rejectsWith(
      collector.collect(device(collector, port, fast, { id: 'closed' }), ctxf()),
      'SNMP_TIMEOUT',
      'transient',
    );
    assert.match(e.message, /no response; wrong community or unreachable/);
    errors.push(e);
  });

  it('wrong community: transient SNMP_TIMEOUT', async () => {
    const e = await rejectsWith(
      collector.collect(
        device(collector, agent.port, fast, { id: 'wrong-community' }),
        ctxf({ community: 'not-the-community' }),
      ),
      'SNMP_TIMEOUT',
      'transient',
    );
    assert.match(e.message, /wrong community or unreachable/);
    errors.push(e);
  });

  it('wrong v3 auth key: permanent SNMP_AUTH_FAILED', async () => {
    const e = await rejectsWith(
      collector.collect(
        device(collector, agent.port, { ...fast, ...authPriv }, { id: 'wrong-auth' }),
        ctxf({ ...S, authKey: 'wrong-auth-key-123' }),
      ),
      'SNMP_AUTH_FAILED',
      'permanent',
    );
    errors.push(e);
  });

  it('wrong v3 privacy key: transient on the first poll (could be loss), permanent on the second', async () => {
    const d = device(collector, agent.port, { ...fast, ...authPriv }, { id: 'wrong-priv' });
    const wrong = ctxf({ ...S, privKey: 'wrong-priv-key-123' });
    const first = await rejectsWith(
      collector.collect(d, wrong),
      'SNMP_DECRYPTION_FAILED',
      'transient',
    );
    const second = await rejectsWith(
      collector.collect(d, wrong),
      'SNMP_DECRYPTION_FAILED',
      'permanent',
    );
    errors.push(first, second);
  });

  it('unknown v3 user: permanent SNMP_UNKNOWN_USER', async () => {
    const e = await rejectsWith(
      collector.collect(
        device(
          collector,
          agent.port,
          { ...fast, ...authPriv, user: 'nobody' },
          { id: 'unknown-user' },
        ),
        ctxf(),
      ),
      'SNMP_UNKNOWN_USER',
      'permanent',
    );
    errors.push(e);
  });

  it('security level the user does not have: permanent SNMP_UNSUPPORTED_SECURITY_LEVEL', async () => {
    const e = await rejectsWith(
      collector.collect(
        device(
          collector,
          agent.port,
          {
            ...fast,
            version: '3',
            securityLevel: 'authNoPriv',
            user: U.noAuthNoPriv,
            authProtocol: 'sha256',
          },
          { id: 'bad-level' },
        ),
        ctxf(),
      ),
      'SNMP_UNSUPPORTED_SECURITY_LEVEL',
      'permanent',
    );
    errors.push(e);
  });

  it('missing credential: permanent SNMP_MISSING_CREDENTIAL naming the key', async () => {
    const e = await rejectsWith(
      collector.collect(
        device(collector, agent.port, authPriv, { id: 'no-priv' }),
        ctxf({ authKey: S.authKey }),
      ),
      'SNMP_MISSING_CREDENTIAL',
      'permanent',
    );
    assert.match(e.message, /privKey/);
  });

  it('agent stopped mid-walk: transient SNMP_TIMEOUT within the poll', async () => {
    // max-repetitions 1: one row per request; the proxy stops forwarding after 5 requests.
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, forwardRequests: 5 });
    try {
      const e = await rejectsWith(
        collector.collect(
          device(collector, proxy.port, { ...fast, maxRepetitions: 1 }, { id: 'mid-walk' }),
          ctxf(),
        ),
        'SNMP_TIMEOUT',
        'transient',
      );
      assert.ok(proxy.requests > 5);
      errors.push(e);
    } finally {
      await proxy.close();
    }
  });

  it('agent frozen (SIGSTOP) mid-walk: transient SNMP_TIMEOUT, and the agent serves again after SIGCONT', async () => {
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyDelayMs: 20 });
    try {
      const p = collector.collect(
        device(collector, proxy.port, { ...fast, maxRepetitions: 1 }, { id: 'frozen' }),
        ctxf(),
      );
      await new Promise((r) => setTimeout(r, 100));
      process.kill(agent.pid, 'SIGSTOP');
      try {
        await rejectsWith(p, 'SNMP_TIMEOUT', 'transient');
      } finally {
        process.kill(agent.pid, 'SIGCONT');
      }
      const ok = await collector.collect(
        device(collector, agent.port, {}, { id: 'after-freeze' }),
        ctxf(),
      );
      assert.ok(ok.data.tables.interfaces);
    } finally {
      await proxy.close();
    }
  });

  it('slow agent within the timeout: polled fine; slower than the timeout: transient SNMP_TIMEOUT', async () => {
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyDelayMs: 80 });
    try {
      const ok = await collector.collect(
        device(collector, proxy.port, { timeoutMs: 1000 }, { id: 'slow-ok' }),
        ctxf(),
      );
      assert.ok(ok.data.scalars.sysName);
      results.push(ok);
      await rejectsWith(
        collector.collect(
          device(collector, proxy.port, { timeoutMs: 50, retries: 0 }, { id: 'slow-timeout' }),
          ctxf(),
        ),
        'SNMP_TIMEOUT',
        'transient',
      );
    } finally {
      await proxy.close();
    }
  });

  it('time budget spent mid-walk: returns what it gathered, marked partial', async () => {
    // One row per request, 100 ms per reply: the whole walk needs well over a second.
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyDelayMs: 100 });
    try {
      const res = await collector.collect(
        device(
          collector,
          proxy.port,
          { maxRepetitions: 1, columnsPerRequest: 5, maxParallelRequests: 1, timeBudgetMs: 700 },
          { id: 'budget' },
        ),
        ctxf(),
      );
      assert.equal(res.partial, true);
      const data = res.data;
      assert.ok(data.scalars.sysName, 'scalars gathered');
      assert.ok(data.tables.interfaces, 'some interface rows gathered');
      assert.equal(data.rates, undefined);
      results.push(res);
    } finally {
      await proxy.close();
    }
  });

  it('abort signal: stops at once with transient SNMP_ABORTED', async () => {
    const proxy = await startUdpDelayProxy({ targetPort: agent.port, replyDelayMs: 200 });
    try {
      const ac = new AbortController();
      const p = collector.collect(
        device(collector, proxy.port, { timeoutMs: 5000 }, { id: 'abort' }),
        ctxf(S, ac.signal),
      );
      setTimeout(() => ac.abort(), 50);
      await rejectsWith(p, 'SNMP_ABORTED', 'transient');
    } finally {
      await proxy.close();
    }
  });

  it('malformed reply: transient SNMP_MALFORMED_REPLY for that poll only', async () => {
    const bad = createSocket('udp4');
    bad.on('message', (_m, r) =>
      bad.send(Buffer.from([0x30, 0x03, 0x02, 0x01]), r.port, r.address),
    );
    await new Promise<void>((r) => bad.bind(0, '127.0.0.1', () => r()));
    try {
      const e = await rejectsWith(
        collector.collect(device(collector, bad.address().port, fast, { id: 'garbage' }), ctxf()),
        'SNMP_MALFORMED_REPLY',
        'transient',
      );
      errors.push(e);
      const ok = await collector.collect(
        device(collector, agent.port, {}, { id: 'after-garbage' }),
        ctxf(),
      );
      assert.ok(ok.data.scalars.sysName);
    } finally {
      bad.close();
    }
  });

  it('a host name is resolved (localhost from /etc/hosts)', async () => {
    const r = await collector.collect(
      device(collector, agent.port, {}, { id: 'by-name', host: 'localhost' }),
      ctxf(),
    );
    assert.ok(r.data.scalars.sysName);
  });

  it('no secret appears in errors, results or logs', () => {
    const text =
      JSON.stringify(
        errors.map((e) => ({ ...e, message: e.message, stack: e.stack, cause: e.cause })),
      ) +
      JSON.stringify(results) +
      log.lines.join('');
    for (const secret of [
      S.community,
      S.authKey,
      S.privKey,
      'not-the-community',
      'wrong-auth-key-123',
      'wrong-priv-key-123',
    ]) {
      assert.ok(!text.includes(secret), `secret leaked: ${secret}`);
    }
    assert.ok(errors.length >= 7);
    assert.ok(log.lines.length >= 7, 'failures were logged');
  });
});
