// Runs the RouterOS simulator in its own process for the benchmark, so the bench process's CPU
// time is the collector's alone. Prints the routers' ports as one JSON line; stops on stdin end.
import { RouterOsSimulator } from '@pollfleet/testing/routeros-simulator';

const count = Number(process.argv[2] ?? '256');
const sim = await RouterOsSimulator.start({ routers: count });
process.stdout.write(`${JSON.stringify(sim.routers.map((r) => r.port))}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
