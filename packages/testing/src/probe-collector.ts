import { Socket } from 'node:net';
import type {
  CollectContext,
  CollectResult,
  Collector,
  CollectorRegistry,
  DeviceSpec,
} from '@pollfleet/core';
import { CollectError } from '@pollfleet/core';

/**
 * A test collector for cross-process tests: each poll opens a TCP connection to the device's
 * host:port, where a {@link ProbeRecorder} plays the device, records the poll (and whether
 * another process was polling the same device at that moment) and answers after a while.
 * Loaded into a poller process with `POLLFLEET_COLLECTOR_MODULES=@pollfleet/testing/probe-collector`.
 */
export class ProbeCollector implements Collector<Record<string, never>> {
  readonly type = 'probe';
  readonly defaultPort = 7;
  readonly #pod: string;

  constructor(pod: string) {
    this.#pod = pod;
  }

  parseOptions(): Record<string, never> {
    return {};
  }

  collect(device: DeviceSpec, ctx: CollectContext): Promise<CollectResult> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let buf = '';
      const fail = (e: CollectError): void => {
        socket.destroy();
        reject(e);
      };
      const onAbort = (): void => fail(CollectError.transient('PROBE_ABORTED', 'probe aborted'));
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.setEncoding('utf8');
      socket.on('error', (err) => fail(CollectError.transient('PROBE_UNREACHABLE', err.message)));
      socket.on('data', (chunk: string) => {
        buf += chunk;
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        ctx.signal.removeEventListener('abort', onAbort);
        socket.end();
        let reply: { ok: boolean; kind?: 'transient' | 'permanent'; code?: string };
        try {
          reply = JSON.parse(buf.slice(0, nl)) as typeof reply;
        } catch {
          fail(CollectError.transient('PROBE_MALFORMED', 'malformed probe reply'));
          return;
        }
        if (reply.ok) resolve({ data: { probed: true } });
        else
          fail(
            new CollectError(
              reply.kind ?? 'transient',
              reply.code ?? 'PROBE_FAILED',
              'probe says the device failed',
            ),
          );
      });
      socket.connect(device.port, device.host, () => {
        socket.write(
          `${JSON.stringify({ deviceId: device.id, pod: this.#pod, pid: process.pid, scheduledFor: ctx.scheduledFor })}\n`,
        );
      });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Plug-in entry point for `POLLFLEET_COLLECTOR_MODULES`. */
export function registerCollectors(registry: CollectorRegistry, context: { podId: string }): void {
  registry.registerCollector('probe', () => new ProbeCollector(context.podId));
}
