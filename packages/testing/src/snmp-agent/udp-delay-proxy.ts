import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';

export interface UdpDelayProxyOptions {
  /** Where requests are forwarded (loopback only). */
  targetPort: number;
  /** Delay added to every reply, ms. @defaultValue 0 */
  replyDelayMs?: number;
  /** Stop forwarding requests after this many (an agent that dies mid-walk). */
  forwardRequests?: number;
  /**
   * Send replies from a second socket bound to this loopback address (another source port, and
   * another address unless it is 127.0.0.1): a multi-homed or NATed agent answering from an
   * address other than the one polled. @defaultValue replies come from the polled address and port
   */
  replyFrom?: string;
  /**
   * Rewrites replies on their way back: gets each reply with its 1-based number (over all
   * clients) and returns what to send instead (for example one flipped byte: a datagram damaged
   * in transit). @defaultValue replies pass unchanged
   */
  mutateReply?: (reply: Buffer, n: number) => Buffer;
  /**
   * Drops a request (packet loss) when it returns true; gets each request with its 1-based
   * number (over all clients). @defaultValue every request is forwarded
   */
  dropRequest?: (request: Buffer, n: number) => boolean;
}

export interface UdpDelayProxy {
  readonly port: number;
  /** Where replies come from: 127.0.0.1 and `port`, or the `replyFrom` socket. */
  readonly replySource: { readonly address: string; readonly port: number };
  /** Requests received from clients so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A tiny loopback UDP proxy in front of an agent: delays replies (a slow agent), stops
 * forwarding after N requests (an agent that goes away mid-walk), answers from another
 * address (a multi-homed agent), or damages replies (`mutateReply`).
 */
export async function startUdpDelayProxy(options: UdpDelayProxyOptions): Promise<UdpDelayProxy> {
  if (options.replyFrom !== undefined && !/^127\.\d+\.\d+\.\d+$/.test(options.replyFrom)) {
    throw new Error(`replyFrom "${options.replyFrom}" is not a 127.0.0.0/8 loopback address`);
  }
  const front = createSocket('udp4');
  const back = options.replyFrom === undefined ? front : createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  // One upstream socket per client endpoint, so replies find their way back.
  const upstreams = new Map<string, Socket>();
  let requests = 0;
  let replies = 0;
  const mutate = options.mutateReply;
  const delay = options.replyDelayMs ?? 0;

  front.on('error', () => undefined);
  back.on('error', () => undefined);
  front.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    requests++;
    if (options.forwardRequests !== undefined && requests > options.forwardRequests) return;
    if (options.dropRequest?.(msg, requests)) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let up = upstreams.get(key);
    if (!up) {
      const u = createSocket('udp4');
      u.on('error', () => undefined);
      u.on('message', (raw: Buffer) => {
        const reply = mutate ? mutate(raw, ++replies) : raw;
        const t = setTimeout(() => {
          timers.delete(t);
          back.send(reply, rinfo.port, rinfo.address);
        }, delay);
        timers.add(t);
      });
      upstreams.set(key, u);
      up = u;
    }
    up.send(msg, options.targetPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', () => resolve()));
  if (back !== front) {
    await new Promise<void>((resolve, reject) => {
      back.once('error', reject);
      back.bind(0, options.replyFrom, () => resolve());
    });
  }
  const source = back.address();
  return {
    port: front.address().port,
    replySource: { address: source.address, port: source.port },
    get requests() {
      return requests;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const u of upstreams.values()) u.close();
      upstreams.clear();
      if (back !== front) back.close();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
