import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PollerProcess } from '../../../test/integration/poller-process.js';

interface StatusDevice {
  name: string;
  target: string;
  breaker: string;
  parked: boolean;
  lastPoll: { ok: boolean } | null;
}

const HEALTHY = ['lab-core-1', 'lab-edge-1', 'lab-edge-2', 'lab-switch-1'];
const BROKEN = ['lab-badpass-1', 'lab-down-1', 'lab-slow-1'];

/** Reads /status until `done` holds; the bound only stops a hung poller from hanging the suite. */
async function statusUntil(
  http: string,
  done: (devices: StatusDevice[]) => boolean,
  ms = 120_000,
): Promise<StatusDevice[]> {
  const until = Date.now() + ms;
  let devices: StatusDevice[] = [];
  while (Date.now() < until) {
    const r = await fetch(`${http}/status`, { signal: AbortSignal.timeout(5_000) });
    devices = ((await r.json()) as { devices: StatusDevice[] }).devices;
    if (done(devices)) return devices;
    await sleep(500);
  }
  assert.fail(`status never got there: ${JSON.stringify(devices)}`);
}

const names = (ds: StatusDevice[]): string[] => ds.map((d) => d.name).sort();
const byName = (ds: StatusDevice[], n: string): StatusDevice | undefined =>
  ds.find((d) => d.name === n);

/** Healthy demo devices polled successfully, broken ones with their breaker open or parked. */
const demoSettled = (ds: StatusDevice[]): boolean =>
  HEALTHY.every((n) => byName(ds, n)?.lastPoll?.ok === true) &&
  BROKEN.every((n) => {
    const d = byName(ds, n);
    return d !== undefined && d.lastPoll?.ok === false && (d.breaker !== 'closed' || d.parked);
  });

describe('pollfleet run with no database or Redis configured', { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollfleet-standalone-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  // No POLLFLEET_DATABASE_URL, no POLLFLEET_REDIS_URL: what `npm start` sees on a fresh machine.
  const env = {
    POLLFLEET_DATA_DIR: dataDir,
    POLLFLEET_HTTP_HOST: '127.0.0.1',
    POLLFLEET_HTTP_PORT: '0',
    POLLFLEET_LOG_LEVEL: 'info',
  };

  const run = async (): Promise<{ devices: StatusDevice[]; p: PollerProcess }> => {
    const p = new PollerProcess(env, ['run']);
    try {
      const running = await p.running();
      assert.match(String(running.inventory), /^embedded PostgreSQL in /);
      const http = `http://127.0.0.1:${String(running.http).split(':').at(-1)}`;
      return { devices: await statusUntil(http, demoSettled), p };
    } catch (err) {
      p.kill('SIGKILL');
      await p.exited;
      throw err;
    }
  };
  const stop = async (p: PollerProcess): Promise<void> => {
    p.kill('SIGINT');
    const { code, signal } = await p.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, p.stderr);
  };

  let first: StatusDevice[] = [];
  it('seeds the demo lab, polls the healthy devices and opens the broken ones, stops on SIGINT', async () => {
    const { devices, p } = await run();
    first = devices;
    await stop(p);
    assert.deepEqual(names(devices), [...BROKEN, ...HEALTHY].sort());
    assert.equal(byName(devices, 'lab-badpass-1')?.parked, true); // a wrong password parks
    assert.match(p.stderr, /standalone mode/);
    assert.match(p.stderr, new RegExp(`embedded PostgreSQL in ${dataDir}`));
    assert.match(p.stderr, /status: +http:\/\/127\.0\.0\.1:\d+\/status/);
    assert.match(p.stderr, /lab-switch-1 +:\d+ +healthy/);
  });

  it('a second start on the same folder finds the same devices, on the same ports, and polls them', async () => {
    assert.ok(first.length > 0, 'the first start ran');
    const { devices, p } = await run();
    await stop(p);
    assert.deepEqual(
      devices.map((d) => `${d.name} ${d.target}`).sort(),
      first.map((d) => `${d.name} ${d.target}`).sort(),
    );
    assert.doesNotMatch(p.stderr, /just seeded/);
  });
});
