import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';

export interface UdpDelayProxyOptions {
  /** Where requests are forwarded (loopback only). */
  targetPort: number;
  /** Delay added to every reply, ms. @defaultValue 0 */
  replyDelayMs?: number;
  /** Stop forwarding requests after this many (an agent that dies mid-walk). */
  forwardRequests?: number;
}

export interface UdpDelayProxy {
  readonly port: number;
  /** Requests received from clients so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A tiny loopback UDP proxy in front of an agent: delays replies (a slow agent) or stops
 * forwarding after N requests (an agent that goes away mid-walk).
 */
export async function startUdpDelayProxy(options: UdpDelayProxyOptions): Promise<UdpDelayProxy> {
  const front = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  // One upstream socket per client endpoint, so replies find their way back.
  const upstreams = new Map<string, Socket>();
  let requests = 0;
  const delay = options.replyDelayMs ?? 0;

  front.on('error', () => undefined);
  front.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    requests++;
    if (options.forwardRequests !== undefined && requests > options.forwardRequests) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let up = upstreams.get(key);
    if (!up) {
      const u = createSocket('udp4');
      u.on('error', () => undefined);
      u.on('message', (reply: Buffer) => {
        const t = setTimeout(() => {
          timers.delete(t);
          front.send(reply, rinfo.port, rinfo.address);
        }, delay);
        timers.add(t);
      });
      upstreams.set(key, u);
      up = u;
    }
    up.send(msg, options.targetPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: front.address().port,
    get requests() {
      return requests;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const u of upstreams.values()) u.close();
      upstreams.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
