// RedisStreamsBus against the ResultsBus contract (MemoryBus passes the same suite in
// packages/testing/test/memory-contracts.test.ts). The reader is a consumer group, as a
// downstream consumer reads the stream.
import { randomBytes } from 'node:crypto';
import type { PollResult } from '@pollfleet/core';
import { RedisStreamsBus, ResultsReader } from '@pollfleet/bus-redis';
import { resultsBusContract } from '@pollfleet/testing/contracts';
import { testRedisUrl } from '@pollfleet/testing/services';
import { Redis } from 'ioredis';

resultsBusContract('RedisStreamsBus', async () => {
  const redis = new Redis(testRedisUrl(), {
    enableAutoPipelining: true,
    commandTimeout: 2_000,
    lazyConnect: true,
  });
  await redis.connect();
  const prefix = `pftest-${randomBytes(6).toString('hex')}`;
  const bus = new RedisStreamsBus(redis, { stream: `${prefix}:results` });
  const reader = new ResultsReader(redis, {
    stream: bus.stream,
    group: 'contract',
    consumer: 'c1',
  });
  const seen: PollResult[] = [];
  return {
    bus,
    readAll: async () => {
      for (;;) {
        const batch = await reader.read();
        if (batch.length === 0) return [...seen];
        for (const e of batch) {
          if (!e.ok) throw e.error;
          seen.push(e.result);
        }
      }
    },
    cleanup: async () => {
      await bus.close();
      const found = await redis.keys(`${prefix}:*`);
      if (found.length > 0) await redis.unlink(...found);
      redis.disconnect();
    },
  };
});
