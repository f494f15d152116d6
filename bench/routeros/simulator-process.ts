// Runs the RouterOS simulator (API, or REST with argv[3] = 'rest') in its own process for the benchmark, so the bench process's CPU
// time is the collector's alone. Prints the routers' ports as one JSON line; stops on stdin end.
import {
  RouterOsSimulator,
  generateSelfSignedCertificate,
} from '@pollfleet/testing/routeros-simulator';

const count = Number(process.argv[2] ?? '256');
const protocol = process.argv[3] === 'rest' ? 'rest' : 'api';
const sim = await RouterOsSimulator.start({
  routers: count,
  protocol,
  ...(protocol === 'rest' ? { tls: generateSelfSignedCertificate() } : {}),
});
process.stdout.write(`${JSON.stringify(sim.routers.map((r) => r.port))}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
