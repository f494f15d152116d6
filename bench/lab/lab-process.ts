// The SNMP lab in a process of its own, so the bench measures the agents' CPU and memory alone.
// argv: <devices> <interfaces>. Prints one JSON line when started; then answers each "stats"
// line on stdin with one JSON line; exits when stdin closes.
import { createInterface } from 'node:readline';
import { generatedSnmpDevices, SnmpLab } from '@pollfleet/lab';

const devices = Number(process.argv[2] ?? 100);
const interfaces = Number(process.argv[3] ?? 8);
const gc = (globalThis as { gc?: () => void }).gc;

function memory(): { heapUsed: number; rss: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss };
}

const before = memory();
const lab = new SnmpLab({ devices: generatedSnmpDevices(devices, interfaces) });
await lab.start();
const afterStart = memory();
const list = lab.devices();
console.log(
  JSON.stringify({
    ports: list.map((d) => ({ port: d.port, version: d.options.version })),
    before,
    afterStart,
  }),
);
const rl = createInterface({ input: process.stdin });
rl.on('line', () => {
  const cpu = process.cpuUsage();
  const received = list.reduce((s, d) => s + d.counters.received, 0);
  const answered = list.reduce((s, d) => s + d.counters.answered, 0);
  console.log(
    JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, received, answered, ...memory() }),
  );
});
rl.on('close', () => void lab.stop().then(() => process.exit(0)));
