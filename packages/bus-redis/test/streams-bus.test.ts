import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PollResult } from '@pollfleet/core';
import { RedisStreamsBus, ResultsReader, readResults } from '@pollfleet/bus-redis';
import { Redis } from 'ioredis';
import { testRedisUrl } from '@pollfleet/testing/services';

function result(i: number, over: Partial<PollResult> = {}): PollResult {
  return {
    v: 1,
    deviceId: `dev-${i % 5}`,
    deviceName: `router ${i % 5}`,
    collectorType: 'snmp',
    podId: 'pod-a',
    fence: 1_000 + i,
    scheduledFor: 1_732_500_000_000 + i * 1000,
    startedAt: 1_732_500_000_010 + i * 1000,
    durationMs: 12,
    ok: true,
    data: { ifInOctets: i, name: 'ü 🚀' },
    ...over,
  };
}

describe('RedisStreamsBus', () => {
  let redis: Redis;
  // Stream names under a random prefix; the bus takes names as given.
  const prefix = `pftest-${randomBytes(6).toString('hex')}`;
  const keys = { results: () => `${prefix}:results` };

  before(async () => {
    redis = new Redis(testRedisUrl(), {
      enableAutoPipelining: true,
      commandTimeout: 2_000,
      lazyConnect: true,
    });
    await redis.connect();
  });
  after(async () => {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length > 0) await redis.unlink(...found);
    redis.disconnect();
  });

  it('delivers every published result to a consumer group, in order', async () => {
    const bus = new RedisStreamsBus(redis, { stream: keys.results() });
    assert.equal(bus.stream, keys.results());
    const sent = Array.from({ length: 250 }, (_, i) => result(i));
    await Promise.all(sent.map((r) => bus.publish(r)));

    const reader = new ResultsReader(redis, {
      stream: bus.stream,
      group: 'archive',
      consumer: 'c1',
      count: 100,
    });
    const got: PollResult[] = [];
    const ids: string[] = [];
    for (;;) {
      const batch = await reader.read();
      if (batch.length === 0) break;
      for (const e of batch) {
        assert.ok(e.ok);
        got.push(e.result);
        ids.push(e.id);
      }
      assert.equal(await reader.ack(batch.map((e) => e.id)), batch.length);
    }
    assert.deepEqual(got, sent);
    assert.deepEqual((await reader.read({ pending: true })).length, 0, 'all acknowledged');
    const entry = await redis.xrange(bus.stream, ids[0]!, ids[0]!);
    assert.deepEqual(entry[0]![1].slice(0, 4), ['v', '1', 'deviceId', 'dev-0']);
    await bus.close();
  });

  it('keeps unacknowledged entries pending for the same consumer', async () => {
    const bus = new RedisStreamsBus(redis, { stream: keys.results() + ':pending' });
    await bus.publish(result(1));
    const opts = { stream: bus.stream, group: 'g', consumer: 'c' };
    assert.equal((await readResults(redis, opts)).length, 1);
    assert.equal((await readResults(redis, opts)).length, 0, 'delivered once');
    const pending = await new ResultsReader(redis, opts).read({ pending: true });
    assert.equal(pending.length, 1);
    await redis.unlink(bus.stream);
  });

  it('lets another consumer claim the unacknowledged entries of a dead one', async () => {
    const bus = new RedisStreamsBus(redis, { stream: keys.results() + ':claim' });
    await Promise.all([1, 2, 3].map((i) => bus.publish(result(i))));
    const opts = { stream: bus.stream, group: 'g' };
    const dead = new ResultsReader(redis, { ...opts, consumer: 'dead' });
    assert.equal((await dead.read()).length, 3);
    const heir = new ResultsReader(redis, { ...opts, consumer: 'heir' });
    assert.equal((await heir.claim(60_000)).length, 0, 'not idle long enough');
    const claimed = await heir.claim(0);
    assert.deepEqual(
      claimed.map((e) => e.ok && e.result.fence),
      [1001, 1002, 1003],
    );
    assert.equal(await heir.ack(claimed.map((e) => e.id)), 3);
    assert.equal((await dead.read({ pending: true })).length, 0);
    await redis.unlink(bus.stream);
  });

  it('trims the stream to about maxLen', async () => {
    const bus = new RedisStreamsBus(redis, { stream: keys.results() + ':trim', maxLen: 100 });
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => bus.publish(result(i + j))));
    }
    const len = await redis.xlen(bus.stream);
    assert.ok(len >= 100 && len <= 300, `length ${len} is about 100`);
    await redis.unlink(bus.stream);
  });

  it('a new group with startFrom $ sees only later results; bad entries are reported', async () => {
    const stream = keys.results() + ':late';
    const bus = new RedisStreamsBus(redis, { stream });
    await bus.publish(result(1));
    const reader = new ResultsReader(redis, {
      stream,
      group: 'late',
      consumer: 'c',
      startFrom: '$',
    });
    assert.equal((await reader.read()).length, 0);
    await bus.publish(result(2));
    await redis.xadd(stream, '*', 'v', '2', 'deviceId', 'x', 'result', '{}');
    await redis.xadd(stream, '*', 'v', '1', 'deviceId', 'x', 'result', 'not json');
    const got = await reader.read();
    assert.deepEqual(
      got.map((e) => (e.ok ? e.result.fence : e.error.code)),
      [1002, 'BUS_DECODE_FAILED', 'BUS_DECODE_FAILED'],
    );
    await redis.unlink(stream);
  });

  it('blocks for new results up to blockMs, below the client command timeout', async () => {
    const stream = keys.results() + ':block';
    const opts = { stream, group: 'g', consumer: 'c', blockMs: 200 };
    assert.throws(() => new ResultsReader(redis, { ...opts, blockMs: 5000 }), {
      code: 'CONFIG_INVALID',
    });
    const reader = new ResultsReader(redis, opts);
    const started = Date.now();
    assert.equal((await reader.read()).length, 0);
    assert.ok(Date.now() - started >= 150, 'waited for entries');
    const bus = new RedisStreamsBus(redis, { stream });
    // A blocking read holds its connection: the reader gets its own client.
    const own = redis.duplicate();
    try {
      const [, got] = await Promise.all([
        new Promise((r) => setTimeout(r, 50)).then(() => bus.publish(result(7))),
        new ResultsReader(own, opts).read(),
      ]);
      assert.equal(got.length, 1);
    } finally {
      own.disconnect();
    }
    await redis.unlink(stream);
  });

  it('rejects (never throws) when a result cannot be published', async () => {
    const dead = new Redis(testRedisUrl(), {
      lazyConnect: true,
      enableOfflineQueue: false,
    });
    const bus = new RedisStreamsBus(dead, { stream: keys.results() });
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;

    const notSerializable = bus.publish(result(1, { data: circular }));
    await assert.rejects(notSerializable, { code: 'BUS_PUBLISH_FAILED' });
    await assert.rejects(bus.publish(result(1)), { code: 'BUS_PUBLISH_FAILED' });
    await bus.close();
    await assert.rejects(bus.publish(result(1)), { code: 'BUS_PUBLISH_FAILED' });
    dead.disconnect();
  });
});
