// The local snmpd agents the rate benches poll: each simulated device gets its own agent port
// (as each real device has its own address), agents in turn, then each agent's ports in turn.
import { readFileSync } from 'node:fs';
import { startSnmpAgent } from '@pollfleet/testing/snmp-agent';
import type { SnmpAgent } from '@pollfleet/testing/snmp-agent';

/** utime + stime of a process, ms (Linux /proc, 100 Hz ticks). */
export function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface BenchAgents {
  readonly agents: SnmpAgent[];
  readonly portsPerAgent: number;
  /** Device i's agent port. */
  portOf(i: number): number;
  /** CPU the agents have used so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startBenchAgents(
  count: number,
  devices: number,
  portsPerAgent = Math.ceil(devices / count),
): Promise<BenchAgents> {
  const agents = await Promise.all(
    Array.from({ length: count }, () => startSnmpAgent({ extraPorts: portsPerAgent - 1 })),
  );
  return {
    agents,
    portsPerAgent,
    portOf(i) {
      const ports = agents[i % count]!.ports;
      return ports[Math.floor(i / count) % ports.length]!;
    },
    cpuMs: () => agents.reduce((sum, a) => sum + procCpuMs(a.pid), 0),
    stop: async () => void (await Promise.all(agents.map((a) => a.stop()))),
  };
}
