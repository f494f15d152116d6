import type { AddressInfo } from 'node:net';
import type { PollerConfig } from './config.js';
import type { DemoLab } from './demo-lab.js';

/** The few lines `pollfleet run` prints once it polls: where things are and what to do next. */
export function startupBanner(
  config: PollerConfig,
  http: AddressInfo,
  demo: DemoLab | undefined,
): string {
  const host = http.address === '0.0.0.0' || http.address === '::' ? '127.0.0.1' : http.address;
  const status = `http://${host.includes(':') ? `[${host}]` : host}:${http.port}/status`;
  const lines =
    config.databaseUrl === undefined
      ? [
          `pollfleet: standalone mode, one process; the inventory is the embedded PostgreSQL in ${config.dataDir}`,
        ]
      : [
          `pollfleet: ${config.redisUrl ? 'fleet mode (Redis coordination)' : 'single pod (no POLLFLEET_REDIS_URL)'}, inventory on PostgreSQL ${new URL(config.databaseUrl).host}`,
        ];
  lines.push(`  status:  ${status}`);
  if (demo) {
    lines.push(
      `  demo:    simulated SNMP lab on 127.0.0.1, ${demo.devices.length} devices${demo.seeded ? ' (just seeded)' : ''}:`,
      ...demo.devices.map(
        (d) =>
          `           ${d.name.padEnd(14)} :${d.port}  ${d.fault === 'none' ? 'healthy' : `broken (${d.fault})`}`,
      ),
      '           (start with --no-demo or POLLFLEET_DEMO=false to leave the lab off)',
    );
  }
  lines.push(
    '  next:    Ctrl-C stops; the next start reuses the data folder.',
    '           Real devices and fleet mode: set POLLFLEET_DATABASE_URL (a PostgreSQL server) and',
    '           POLLFLEET_REDIS_URL, run `npm run pollfleet -- migrate`, INSERT the devices (README',
    '           "Quick start"), and start as many pods as you like.',
  );
  return `${lines.join('\n')}\n`;
}
