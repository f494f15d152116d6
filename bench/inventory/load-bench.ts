// The inventory's cost of loading a fleet: insert N devices (batches of 1000, one transaction
// each), then listEnabled(), then close and reopen and listEnabled() again (a second start).
// Embedded (PGlite in a fresh temporary data folder) or the local PostgreSQL server (a random
// schema, dropped afterwards). Prints times, rates and the process's RSS growth.
// Run: node --expose-gc --conditions=source --import tsx bench/inventory/load-bench.ts <embedded|server> [devices]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresInventory } from '@pollfleet/inventory-postgres';
import type { InventoryOptions } from '@pollfleet/inventory-postgres';
import { sql } from 'kysely';

const MODE = process.argv[2] ?? 'embedded';
const DEVICES = Number(process.argv[3] ?? 10_000);
const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/test';
const BATCH = 1000;

if (MODE !== 'embedded' && MODE !== 'server') {
  throw new Error(`mode must be embedded or server, got ${MODE}`);
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

async function timed<T>(label: string, n: number, run: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const value = await run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rate = n > 0 ? `${((n / ms) * 1000).toFixed(0).padStart(8)} rows/s` : '';
  console.log(`${label.padEnd(40)} ${ms.toFixed(0).padStart(7)} ms ${rate}`);
  return value;
}

const schema = `pf_bench_${randomBytes(4).toString('hex')}`;
const dataDir = MODE === 'embedded' ? mkdtempSync(join(tmpdir(), 'pf-inv-bench-')) : undefined;
const options = (): InventoryOptions =>
  dataDir !== undefined
    ? { embedded: { dataDir }, schema }
    : { connectionString: DATABASE_URL, schema };

console.log(`inventory load, ${MODE}, ${DEVICES} devices, Node ${process.version}`);
const rssStart = rss();
let inventory = new PostgresInventory(options());
try {
  await timed('open + migrate (first start)', 0, () => inventory.migrate());
  const rssOpen = rss();
  await timed(`insert ${DEVICES} devices`, DEVICES, async () => {
    for (let start = 0; start < DEVICES; start += BATCH) {
      const rows = [];
      for (let i = start; i < Math.min(DEVICES, start + BATCH); i += 1) {
        rows.push({
          name: `dev-${i}`,
          collector_type: i % 2 === 0 ? 'snmp' : 'routeros',
          host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          interval_ms: 30_000,
          options: JSON.stringify({ version: '2c' }),
          credentials_ref: 'lab',
          labels: JSON.stringify({ site: `site-${i % 10}` }),
        });
      }
      await inventory.db.withSchema(schema).insertInto('devices').values(rows).execute();
    }
  });
  const listed = await timed('listEnabled', DEVICES, () => inventory.listEnabled());
  if (listed.length !== DEVICES) throw new Error(`listed ${listed.length}, want ${DEVICES}`);
  const rssLoaded = rss();
  await timed('close', 0, () => inventory.close());
  inventory = new PostgresInventory(options());
  await timed('reopen + migrate (second start)', 0, () => inventory.migrate());
  const again = await timed('listEnabled after reopen', DEVICES, () => inventory.listEnabled());
  if (again.length !== DEVICES) throw new Error(`after reopen ${again.length}, want ${DEVICES}`);
  const rssReopened = rss();
  console.log(
    `RSS MiB: start ${mib(rssStart)}, after open ${mib(rssOpen)} (+${mib(rssOpen - rssStart)}), ` +
      `after load ${mib(rssLoaded)} (+${mib(rssLoaded - rssStart)}), ` +
      `after reopen + list ${mib(rssReopened)} (+${mib(rssReopened - rssStart)})`,
  );
} finally {
  if (MODE === 'server') {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`
      .execute(inventory.db)
      .catch(() => {});
  }
  await inventory.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
}
