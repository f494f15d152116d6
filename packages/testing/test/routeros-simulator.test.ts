import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RouterOsSimulator, SentenceReader, sentence } from '@pollfleet/testing/routeros-simulator';

/** Sends sentences on a fresh connection and collects replies until `until` matches one. */
async function talk(port: number, requests: string[][], doneCount: number): Promise<string[][]> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const reader = new SentenceReader();
  const replies: string[][] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const got = reader.push(chunk);
      if (got === 'bad') return reject(new Error('bad reply'));
      replies.push(...got);
      if (replies.filter((r) => r[0] === '!done').length >= doneCount) resolve();
    });
    for (const r of requests) socket.write(sentence(r));
  });
  socket.destroy();
  return replies;
}

describe('RouterOS simulator', () => {
  it('listens on consecutive loopback ports from basePort', async () => {
    for (let attempt = 0; ; attempt++) {
      const basePort = 20000 + Math.floor(Math.random() * 12000); // below the ephemeral range
      let sim: RouterOsSimulator;
      try {
        sim = await RouterOsSimulator.start({ routers: 3, basePort });
      } catch (err) {
        if (attempt < 10 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw err;
      }
      assert.deepEqual(
        sim.routers.map((r) => r.port),
        [basePort, basePort + 1, basePort + 2],
      );
      await sim.close();
      return;
    }
  });

  it('speaks 7.18 (!empty) and 6.49 (bare !done) for an empty print, with tags', async () => {
    let t = 1_000_000;
    const sim = await RouterOsSimulator.start({
      routers: [{ version: '7.18.2' }, { version: '6.49.10' }],
      now: () => t,
    });
    try {
      const login = ['/login', '=name=admin', '=password=secret'];
      const r7 = await talk(sim.router(0).port, [login, ['/ppp/active/print', '.tag=a']], 2);
      assert.deepEqual(r7.slice(1), [
        ['!empty', '.tag=a'],
        ['!done', '.tag=a'],
      ]);
      const r6 = await talk(sim.router(1).port, [login, ['/ppp/active/print', '.tag=b']], 2);
      assert.deepEqual(r6.slice(1), [['!done', '.tag=b']]);
      const rx = async () => {
        const r = await talk(
          sim.router(0).port,
          [login, ['/interface/print', '=.proplist=rx-byte']],
          2,
        );
        return Number(r[1]?.[1]?.slice('=rx-byte='.length));
      };
      const before = await rx();
      t += 1000;
      assert.equal((await rx()) - before, 125_000, 'counters grow with the time source');
    } finally {
      await sim.close();
    }
  });
});
