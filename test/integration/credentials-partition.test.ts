import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { PollEngine } from '@pollfleet/core';
import type { Collector, DeviceSpec } from '@pollfleet/core';
import { FleetKeys, RedisLeaseStore, deleteFleetKeys } from '@pollfleet/coordination-redis';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import {
  MemoryBreakerStore,
  MemoryBus,
  ScriptedCollector,
  TcpProxy,
  testLogger,
} from '@pollfleet/testing';
import { TestInventory, sleep } from './support.js';

// Issue 15 item 1: PostgreSQL stops answering without refusing (connections held, nothing
// forwarded). Polls waited for the credential store outside their timeout and without
// re-checking the lease, so leases lapsed under running polls.
describe('PostgreSQL silently partitioned under a running engine', { timeout: 60_000 }, () => {
  const proxy = new TcpProxy(5432);
  const keys = new FleetKeys(`it-creds-${randomBytes(4).toString('hex')}`);
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  let inv: TestInventory;
  let pgInventory: PostgresInventory | undefined;
  let engine: PollEngine | undefined;

  before(async () => {
    inv = await TestInventory.create('creds');
    await redis.connect();
  });
  after(async () => {
    proxy.restore(); // first: a poll stuck on the partition would hold stop() up
    await engine?.stop(1000);
    await pgInventory?.close();
    await proxy.close();
    await inv.drop();
    await deleteFleetKeys(redis, keys);
    redis.disconnect();
  });

  it('keeps polling on the stale secret, and no poll starts with less lease left than its timeout', async () => {
    await inv.db.query(
      `insert into ${inv.schema}.credentials (ref, secret) values ('lab', '{"community": "public"}')`,
    );
    const port = await proxy.listen();
    pgInventory = new PostgresInventory({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      schema: inv.schema,
    });
    const collector = new ScriptedCollector();
    const spec = (id: string): DeviceSpec => ({
      id,
      name: `dev-${id}`,
      collectorType: 'scripted',
      host: '127.0.0.1',
      port: 9,
      intervalMs: 500,
      timeoutMs: 300,
      options: {},
      credentialsRef: 'lab',
      labels: {},
      revision: 1,
    });
    const ids = ['1', '2', '3', '4'];
    const leaseLeft: number[] = [];
    const communities = new Set<string | undefined>();
    for (const id of ids) {
      collector.behave(id, async (_d, ctx) => {
        communities.add(ctx.credentials?.get('community'));
        leaseLeft.push(await redis.pttl(keys.lease(id)));
        return { data: {} };
      });
    }
    engine = new PollEngine({
      podId: 'pod-a',
      logger: testLogger(),
      leases: new RedisLeaseStore(redis, { keys }),
      breakers: new MemoryBreakerStore(),
      bus: new MemoryBus(),
      registry: new Registry(),
      credentials: pgInventory.credentials,
      credentialsTtlMs: 200, // stale within one interval
      leaseMarginMs: 500, // TTL 1300 ms
      dispatchGridMs: 0,
    });
    const scripted: Collector = collector.forPod('pod-a');
    for (const id of ids) engine.upsert(spec(id), scripted);
    engine.start();
    await sleep(1500);
    const before = collector.polls.length;
    assert.ok(before >= ids.length, `polled ${before} times before the partition`);

    proxy.blackhole();
    await sleep(3000);
    const during = collector.polls.length - before;
    // 4 devices × 6 slots in 3 s: nearly all of them polled, on the stale secret.
    assert.ok(during >= 16, `only ${during} polls during the partition`);
    assert.deepEqual([...communities], ['public']);
    // PTTL at the moment the collector ran: never below the poll's 300 ms timeout.
    assert.ok(leaseLeft.length > 0);
    assert.ok(Math.min(...leaseLeft) >= 300, `a poll started with ${Math.min(...leaseLeft)} ms`);
    assert.equal(collector.overlaps, 0);
  });
});
