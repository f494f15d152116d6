import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import { DEMO_LABEL, startDemoLab } from '../src/demo-lab.js';

const logger = pino({ level: 'silent' });

/** The demo rows as `name port`, read back through the inventory the poller uses. */
async function demoRows(inventory: PostgresInventory): Promise<string[]> {
  const rows = await inventory.listEnabled();
  return rows
    .filter((r) => r.labels['demo'] === DEMO_LABEL)
    .map((r) => `${r.name} ${String(r.port)}`)
    .sort();
}

describe('the demo lab on the embedded inventory', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollfleet-demo-lab-'));
  // A schema other than public: the seeded rows must land where the poller reads.
  const inventory = new PostgresInventory({ embedded: { dataDir }, schema: 'demo_a', logger });
  before(() => inventory.migrate());
  after(async () => {
    await inventory.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds an empty inventory, restarts on the rows ports, moves a device whose port is taken', async () => {
    const first = await startDemoLab(inventory, logger);
    assert.ok(first);
    let ports: string[];
    try {
      assert.equal(first.seeded, true);
      ports = first.devices.map((d) => `${d.name} ${d.port}`).sort();
      assert.equal(ports.length, 7);
      assert.deepEqual(await demoRows(inventory), ports);
      const creds = await inventory.credentials.resolve('demo-lab-edge-1');
      assert.equal(creds?.get('community'), 'public');
    } finally {
      await first.stop();
    }

    const second = await startDemoLab(inventory, logger);
    assert.ok(second);
    try {
      assert.equal(second.seeded, false);
      assert.deepEqual(second.devices.map((d) => `${d.name} ${d.port}`).sort(), ports);
    } finally {
      await second.stop();
    }

    // Someone else holds lab-edge-1's port: the lab moves it and rewrites its row.
    const edgePort = Number(ports.find((p) => p.startsWith('lab-edge-1 '))!.split(' ')[1]);
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(edgePort, '127.0.0.1', resolve));
    try {
      const third = await startDemoLab(inventory, logger);
      assert.ok(third);
      try {
        const moved = third.devices.find((d) => d.name === 'lab-edge-1')!;
        assert.notEqual(moved.port, edgePort);
        assert.deepEqual(
          await demoRows(inventory),
          third.devices.map((d) => `${d.name} ${d.port}`).sort(),
        );
      } finally {
        await third.stop();
      }
    } finally {
      squatter.close();
    }
  });

  it('leaves the lab off when the inventory holds devices of its own', async () => {
    await inventory.db
      .withSchema('demo_a')
      .insertInto('devices')
      .values({
        name: 'edge-1',
        collector_type: 'snmp',
        host: '127.0.0.1',
        options: '{}',
        labels: '{}',
      })
      .execute();
    await inventory.db
      .withSchema('demo_a')
      .deleteFrom('devices')
      .where('name', 'like', 'lab-%')
      .execute();
    assert.equal(await startDemoLab(inventory, logger), undefined);
  });
});
