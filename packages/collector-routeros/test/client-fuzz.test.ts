import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CollectError } from '@pollfleet/core';
import { RouterOsConnection } from '@pollfleet/collector-routeros';
import {
  SentenceReader,
  fuzzStreams,
  lengthPrefix,
  sentence,
} from '@pollfleet/testing/routeros-simulator';

/**
 * A hostile "router": accepts the login, then answers each command with a valid `!re` for its
 * tag followed by a generated or mutated byte stream (and sometimes the `!done`), in chunks.
 */
function hostileServer(seed: number): net.Server {
  const streams = fuzzStreams(seed, Number.MAX_SAFE_INTEGER);
  return net.createServer((socket) => {
    socket.on('error', () => {});
    const reader = new SentenceReader();
    socket.on('data', (chunk: Buffer) => {
      const got = reader.push(chunk);
      if (got === 'bad') return void socket.destroy();
      for (const words of got) {
        const tag = words.find((w) => w.startsWith('.tag='));
        const t = tag ? [tag] : [];
        if (words[0] === '/login') {
          socket.write(sentence(['!done', ...t]));
          continue;
        }
        if (words[0] === '/cancel') continue; // a router that ignores /cancel, too
        const next = streams.next();
        if (next.done) return;
        const s = next.value;
        socket.write(sentence(['!re', '=name=x', ...t]));
        for (const c of s.chunks) socket.write(c);
        if (s.chunks.length % 2 === 0) socket.write(sentence(['!done', ...t]));
      }
    });
  });
}

describe('client fuzz over real sockets', () => {
  let server: net.Server;
  let port: number;
  before(async () => {
    server = hostileServer(11);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('settles every command of 2000 hostile replies with a result or a CollectError', async () => {
    const outcomes = new Map<string, number>();
    const runOne = async () => {
      const c = await RouterOsConnection.open({
        host: '127.0.0.1',
        port,
        cancelTimeoutMs: 50,
      });
      try {
        await c.login('admin', 'x');
        for (let i = 0; i < 4; i++) {
          try {
            await c.command(['/interface/print'], { timeoutMs: 100 });
            outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
          } catch (err) {
            assert.ok(err instanceof CollectError, `not a CollectError: ${String(err)}`);
            outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
          }
        }
      } finally {
        c.close();
      }
    };
    const connections = 500;
    let next = 0;
    const worker = async () => {
      while (next++ < connections) await runOne();
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, connections * 4);
    // Each class of outcome shows up: the fuzz reaches the paths it is meant to reach.
    for (const code of ['ok', 'ROS_PROTOCOL', 'ROS_COMMAND_TIMEOUT']) {
      assert.ok((outcomes.get(code) ?? 0) > 0, `no ${code} in ${JSON.stringify([...outcomes])}`);
    }
  });

  it('drops a connection that declares a 256 MiB word, without allocating it', async () => {
    const liar = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        // A login reply whose second word claims 256 MiB, then a trickle of bytes.
        socket.write(
          Buffer.concat([
            lengthPrefix(5),
            Buffer.from('!done'),
            lengthPrefix(256 * 1024 * 1024),
            Buffer.alloc(64),
          ]),
        );
      });
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const before = process.memoryUsage().arrayBuffers;
    try {
      const c = await RouterOsConnection.open({
        host: '127.0.0.1',
        port: (liar.address() as net.AddressInfo).port,
      });
      await assert.rejects(
        c.login('admin', 'x'),
        (e: unknown) => e instanceof CollectError && e.code === 'ROS_PROTOCOL',
      );
      assert.equal(c.usable, false);
      assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
    } finally {
      await new Promise<void>((r) => liar.close(() => r()));
    }
  });

  it('reports a refused login as such when the router closes right after the !trap', async () => {
    const curt = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', (chunk: Buffer) => {
        const tag = new SentenceReader().push(chunk);
        const t = tag === 'bad' ? [] : (tag[0] ?? []).filter((w) => w.startsWith('.tag='));
        socket.end(sentence(['!trap', '=message=invalid user name or password (6)', ...t]));
      });
    });
    await new Promise<void>((r) => curt.listen(0, '127.0.0.1', r));
    try {
      const c = await RouterOsConnection.open({
        host: '127.0.0.1',
        port: (curt.address() as net.AddressInfo).port,
      });
      await assert.rejects(
        c.login('admin', 'x'),
        (e: unknown) =>
          e instanceof CollectError && e.code === 'ROS_AUTH_FAILED' && e.kind === 'permanent',
      );
    } finally {
      await new Promise<void>((r) => curt.close(() => r()));
    }
  });
});
