import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DATABASE_URL, dropSchema, randomSchema } from './support.js';

describe('PostgresInventory.close', () => {
  const schema = randomSchema();
  after(async () => {
    await dropSchema(schema);
  });

  it('leaves no open handles: a process that closes its inventory exits by itself', async () => {
    const script = fileURLToPath(new URL('./fixtures/watch-then-close.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, DATABASE_URL, schema],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Generous: a hang is what it catches; the PGlite suites beside it load the 2 cores.
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    assert.equal(signal, null, `the process did not exit by itself (killed); stderr: ${stderr}`);
    assert.equal(code, 0, stderr);
  });
});
