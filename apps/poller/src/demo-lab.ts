import type { Logger } from 'pino';
import { demoSnmpDevices, LabBindError, SnmpLab } from '@pollfleet/lab';
import type { SnmpLabDevice, SnmpLabDeviceOptions } from '@pollfleet/lab';
import type { PostgresInventory } from '@pollfleet/inventory-postgres';

/** `labels.demo` of the rows the demo seeds: how a later start finds its devices again. */
export const DEMO_LABEL = 'pollfleet-lab';
/** Polls every 5 s, so the broken devices open their breakers within about 15 s. */
const DEMO_INTERVAL_MS = 5_000;
const DEMO_TIMEOUT_MS = 4_000;
/** The slow device answers 6 s late and its row allows 2 s: every poll of it times out. */
const DEMO_SLOW_MS = 6_000;
const DEMO_SLOW_TIMEOUT_MS = 2_000;

/** The simulated lab serving the demo rows of the embedded inventory. */
export interface DemoLab {
  readonly devices: readonly SnmpLabDevice[];
  /** True when this start seeded the rows (the inventory was empty). */
  readonly seeded: boolean;
  stop(): Promise<void>;
}

/**
 * On an empty inventory: starts the SNMP lab on loopback and seeds a device and a credentials row
 * per simulated device. On an inventory holding demo rows: starts the lab again on the ports the
 * rows name (on new ports, rewriting the rows, if one is taken). On an inventory with other rows
 * only: no lab. Call after `migrate()`, before the poller starts.
 */
export async function startDemoLab(
  inventory: PostgresInventory,
  logger: Logger,
): Promise<DemoLab | undefined> {
  const db = inventory.db.withSchema(inventory.options.schema);
  const rows = await db.selectFrom('devices').select(['name', 'port', 'labels']).execute();
  const demoRows = rows.filter((r) => isDemoLabels(r.labels));
  if (rows.length > 0 && demoRows.length === 0) {
    logger.info('the inventory holds devices of its own: demo lab off');
    return undefined;
  }
  const specs = demoSnmpDevices(DEMO_SLOW_MS);
  if (demoRows.length === 0) {
    const lab = await startLab(specs);
    await seed(inventory, lab.devices());
    return demoLab(lab, true);
  }
  // Only the demo devices still in the inventory, each on the port its row names.
  const ports = new Map(demoRows.map((r) => [r.name, r.port]));
  const kept = specs.filter((s) => ports.has(s.name));
  try {
    const lab = await startLab(
      kept.map((s) => {
        const port = ports.get(s.name);
        return port == null ? s : { ...s, port };
      }),
    );
    return demoLab(lab, false);
  } catch (err) {
    if (!(err instanceof LabBindError)) throw err;
    logger.warn({ err }, 'a demo device port is taken: starting the lab on new ports');
    const lab = await startLab(kept);
    for (const d of lab.devices()) {
      await db.updateTable('devices').set({ port: d.port }).where('name', '=', d.name).execute();
    }
    return demoLab(lab, false);
  }
}

async function startLab(devices: SnmpLabDeviceOptions[]): Promise<SnmpLab> {
  const lab = new SnmpLab({ devices });
  await lab.start();
  return lab;
}

function demoLab(lab: SnmpLab, seeded: boolean): DemoLab {
  return { devices: lab.devices(), seeded, stop: () => lab.stop() };
}

function isDemoLabels(labels: unknown): boolean {
  return (
    typeof labels === 'object' &&
    labels !== null &&
    (labels as Record<string, unknown>)['demo'] === DEMO_LABEL
  );
}

/** Credentials first, so each device's first poll finds them; one transaction for all. */
async function seed(
  inventory: PostgresInventory,
  devices: readonly SnmpLabDevice[],
): Promise<void> {
  await inventory.db.transaction().execute(async (trx) => {
    const tx = trx.withSchema(inventory.options.schema);
    for (const d of devices) {
      const ref = `demo-${d.name}`;
      await tx
        .insertInto('credentials')
        .values({ ref, secret: JSON.stringify(d.secret) })
        .onConflict((oc) => oc.column('ref').doUpdateSet({ secret: JSON.stringify(d.secret) }))
        .execute();
      await tx
        .insertInto('devices')
        .values({
          name: d.name,
          collector_type: 'snmp',
          host: d.host,
          port: d.port,
          interval_ms: DEMO_INTERVAL_MS,
          timeout_ms: d.fault === 'slow' ? DEMO_SLOW_TIMEOUT_MS : DEMO_TIMEOUT_MS,
          options: JSON.stringify(d.options),
          credentials_ref: ref,
          labels: JSON.stringify({ demo: DEMO_LABEL, fault: d.fault }),
        })
        .execute();
    }
  });
}
