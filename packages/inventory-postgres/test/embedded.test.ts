import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EMBEDDED_LOCK_FILE,
  EMBEDDED_PGDATA,
  EmbeddedInventoryLockedError,
  EmbeddedInventoryOpenError,
  PostgresInventory,
} from '@pollfleet/inventory-postgres';
import { embeddedTemplate } from './inventory-targets.js';
import { WatchRecorder } from './support.js';

/** A data folder whose database already exists (copied from the test template: no initdb). */
async function initialisedDataDir(root: string, name: string): Promise<string> {
  const dataDir = join(root, name);
  cpSync(await embeddedTemplate(), join(dataDir, EMBEDDED_PGDATA), { recursive: true });
  return dataDir;
}

const addDevice = (inventory: PostgresInventory, name: string) =>
  inventory.db
    .insertInto('devices')
    .values({ name, collector_type: 'snmp', host: '127.0.0.1', options: '{}', labels: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();

describe('PostgresInventory embedded (a local data folder)', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pf-inv-embedded-test-'));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a missing folder, and a second open of it finds the rows again', async () => {
    const dataDir = join(root, 'nested', 'fresh');
    const first = new PostgresInventory({ embedded: { dataDir } });
    assert.equal(first.mode, 'embedded');
    assert.equal(first.dataDir, dataDir);
    try {
      assert.equal((await first.migrate()).length > 0, true);
      await addDevice(first, 'survivor');
    } finally {
      await first.close();
    }
    assert.ok(!existsSync(join(dataDir, EMBEDDED_LOCK_FILE)), 'close() releases the folder');
    const second = new PostgresInventory({ embedded: { dataDir } });
    try {
      assert.deepEqual(await second.migrate(), [], 'the schema is already current');
      assert.deepEqual(
        (await second.listEnabled()).map((r) => r.name),
        ['survivor'],
      );
    } finally {
      await second.close();
    }
  });

  it('reports a device inserted into it to a watch within the debounce', async () => {
    const dataDir = await initialisedDataDir(root, 'watched');
    const inventory = new PostgresInventory({ embedded: { dataDir }, watchDebounceMs: 50 });
    try {
      await inventory.migrate();
      const rec = new WatchRecorder();
      await inventory.watch(rec.onChange, rec.onError);
      const { id } = await addDevice(inventory, 'edge-1');
      await rec.untilIds([id], 0);
      assert.deepEqual(rec.changes, [[id]]);
      assert.deepEqual(rec.errors, []);
      const [row] = await inventory.getDevices([id]);
      assert.equal(row?.name, 'edge-1');
    } finally {
      await inventory.close();
    }
  });

  it('refuses a folder another open inventory holds, naming the folder and the holder', async () => {
    const dataDir = await initialisedDataDir(root, 'held');
    const holder = new PostgresInventory({ embedded: { dataDir } });
    try {
      await holder.migrate();
      const intruder = new PostgresInventory({ embedded: { dataDir } });
      await assert.rejects(
        intruder.migrate(),
        (err: unknown) =>
          err instanceof EmbeddedInventoryLockedError &&
          err.code === 'INVENTORY_DATA_DIR_LOCKED' &&
          err.holderPid === process.pid &&
          err.message.includes(dataDir) &&
          err.message.includes(EMBEDDED_LOCK_FILE),
      );
      await intruder.close();
      // The refused open left the holder's lock in place.
      await addDevice(holder, 'still-mine');
    } finally {
      await holder.close();
    }
    const next = new PostgresInventory({ embedded: { dataDir } });
    try {
      assert.deepEqual(
        (await next.listEnabled()).map((r) => r.name),
        ['still-mine'],
      );
    } finally {
      await next.close();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dataDir = await initialisedDataDir(root, 'stale');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(
      join(dataDir, EMBEDDED_LOCK_FILE),
      JSON.stringify({ pid: gone, host: hostname(), since: '2020-01-01T00:00:00Z' }),
    );
    const inventory = new PostgresInventory({ embedded: { dataDir } });
    try {
      assert.equal((await inventory.migrate()).length > 0, true);
    } finally {
      await inventory.close();
    }
  });

  it('refuses a folder that is not an inventory, or is damaged, saying so and releasing it', async () => {
    const notOurs = join(root, 'not-ours');
    cpSync(fileURLToPath(new URL('./fixtures', import.meta.url)), join(notOurs, EMBEDDED_PGDATA), {
      recursive: true,
    });
    const damaged = await initialisedDataDir(root, 'damaged');
    writeFileSync(join(damaged, EMBEDDED_PGDATA, 'PG_VERSION'), 'garbage\n');
    for (const [dataDir, what] of [
      [notOurs, /holds files but no database/],
      [damaged, /damaged or was written by an incompatible PostgreSQL version.*Move the folder/],
    ] as const) {
      const inventory = new PostgresInventory({ embedded: { dataDir } });
      await assert.rejects(
        inventory.migrate(),
        (err: unknown) =>
          err instanceof EmbeddedInventoryOpenError &&
          err.code === 'INVENTORY_DATA_DIR_UNUSABLE' &&
          err.message.includes(dataDir) &&
          what.test(err.message),
      );
      await inventory.close();
      assert.ok(!existsSync(join(dataDir, EMBEDDED_LOCK_FILE)), `${dataDir}: lock released`);
    }
  });

  it('leaves no open handles: a process that closes its embedded inventory exits by itself', async () => {
    const dataDir = await initialisedDataDir(root, 'child');
    const script = fileURLToPath(
      new URL('./fixtures/embedded-watch-then-close.ts', import.meta.url),
    );
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, dataDir],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    assert.equal(signal, null, `the process did not exit by itself (killed); stderr: ${stderr}`);
    assert.equal(code, 0, stderr);
    assert.ok(!existsSync(join(dataDir, EMBEDDED_LOCK_FILE)));
    const reopened = new PostgresInventory({ embedded: { dataDir } });
    try {
      assert.deepEqual(
        (await reopened.listEnabled()).map((r) => r.name),
        ['child'],
      );
    } finally {
      await reopened.close();
    }
  });
});
