import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { udpEndpoint } from './udp-endpoint.js';
import type { UdpEndpoint, UdpTransport } from './udp-endpoint.js';

type SendCb = (error: Error | null, bytes?: number) => void;

/** Reads a BER header at `pos`: [tag, content start, content length], or undefined. */
function header(buf: Buffer, pos: number): [number, number, number] | undefined {
  if (pos + 2 > buf.length) return undefined;
  const tag = buf[pos]!;
  const l = buf[pos + 1]!;
  if (l < 0x80) return [tag, pos + 2, l];
  const n = l & 0x7f;
  if (n === 0 || n > 4 || pos + 2 + n > buf.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
  return [tag, pos + 2 + n, len];
}

function readInt(buf: Buffer, h: [number, number, number]): number | undefined {
  if (h[0] !== 0x02 || h[2] < 1 || h[2] > 6 || h[1] + h[2] > buf.length) return undefined;
  return buf.readIntBE(h[1], h[2]);
}

/**
 * The request id net-snmp matches a reply with (v1/v2c: the PDU's request-id; v3: msgID),
 * read without decoding the message. Undefined when the datagram does not parse that far.
 */
export function peekRequestId(buf: Buffer): number | undefined {
  const outer = header(buf, 0);
  if (!outer || outer[0] !== 0x30) return undefined;
  const ver = header(buf, outer[1]);
  if (!ver) return undefined;
  const version = readInt(buf, ver);
  const next = header(buf, ver[1] + ver[2]);
  if (!next) return undefined;
  if (version === 3) {
    if (next[0] !== 0x30) return undefined;
    const id = header(buf, next[1]);
    return id ? readInt(buf, id) : undefined;
  }
  if (next[0] !== 0x04) return undefined;
  const pdu = header(buf, next[1] + next[2]);
  if (!pdu || (pdu[0] & 0xe0) !== 0xa0) return undefined;
  const id = header(buf, pdu[1]);
  return id ? readInt(buf, id) : undefined;
}

/**
 * What a net-snmp Session sees as its UDP socket: sends through a shared socket of the pool and
 * receives the datagrams that come back from its agent's address and port (or, when the pool
 * accepts replies from any address, the ones carrying a request id it waits for).
 */
export class VirtualSocket extends EventEmitter {
  /** The agent: canonical address, port, transport, and the key replies are routed by. */
  readonly target: UdpEndpoint;
  /** Request ids the owner is waiting for (net-snmp's `session.reqs`), for demultiplexing. */
  pending: Record<string, unknown> | undefined;
  readonly #slot: SocketSlot;
  /** Ids this socket put in its slot's request-id index → sends of that id not yet completed. */
  readonly #ids = new Map<number, number>();
  #closed = false;

  constructor(slot: SocketSlot, target: UdpEndpoint) {
    super();
    this.#slot = slot;
    this.target = target;
  }

  get endpoint(): string {
    return this.target.key;
  }

  send(
    buf: Buffer,
    offset: number,
    length: number,
    port: number,
    address: string,
    cb: SendCb,
  ): void {
    if (this.#closed) {
      queueMicrotask(() => cb(Object.assign(new Error('socket closed'), { code: 'ECLOSED' })));
      return;
    }
    const socket = this.#slot.socket;
    const id = this.#slot.indexesIds
      ? peekRequestId(offset === 0 ? buf : buf.subarray(offset, offset + length))
      : undefined;
    if (id === undefined) {
      socket.send(buf, offset, length, port, address, cb);
      return;
    }
    for (const old of this.#ids.keys()) this.release(old); // keeps the index bounded
    this.#ids.set(id, (this.#ids.get(id) ?? 0) + 1);
    this.#slot.index(id, this);
    socket.send(buf, offset, length, port, address, (err, bytes) => {
      const n = this.#ids.get(id);
      if (n !== undefined) this.#ids.set(id, n - 1);
      cb(err, bytes); // net-snmp registers the request in `pending` here
      this.release(id); // a failed send, or none was registered
    });
  }

  /** Is the owner waiting for a reply with this id (or still sending a request with it)? */
  awaits(id: number): boolean {
    if (this.#closed) return false;
    return (this.#ids.get(id) ?? 0) > 0 || (this.pending !== undefined && id in this.pending);
  }

  /** Takes `id` out of the slot's request-id index once nothing here waits for it. */
  release(id: number): void {
    if (this.#ids.has(id) && !this.awaits(id)) {
      this.#ids.delete(id);
      this.#slot.unindex(id, this);
    }
  }

  // net-snmp calls these; the shared socket's lifetime is the pool's, not the session's.
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  bind(): this {
    return this;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of this.#ids.keys()) this.#slot.unindex(id, this);
    this.#ids.clear();
    this.#slot.detach(this);
    this.emit('close');
  }
}

/** The one candidate waiting for `id`; null when several are (never guess); else undefined. */
function waiter(candidates: Iterable<VirtualSocket>, id: number): VirtualSocket | null | undefined {
  let found: VirtualSocket | undefined;
  for (const v of candidates) {
    if (!v.awaits(id)) continue;
    if (found) return null;
    found = v;
  }
  return found;
}

class SocketSlot {
  readonly socket: Socket;
  readonly #family: UdpTransport;
  readonly #byEndpoint = new Map<string, Set<VirtualSocket>>();
  /**
   * Request id → the virtual sockets that sent it, for replies from an address no session polls
   * (multi-homed agents). Absent unless the pool accepts replies from any address. Entries go when
   * their reply is delivered, when the sender next sends (ids no longer pending), and on close.
   */
  readonly #byId: Map<number, VirtualSocket[]> | undefined;
  readonly #logger: Logger;
  size = 0;

  constructor(family: UdpTransport, logger: Logger, o: UdpSocketPoolOptions) {
    this.#logger = logger;
    this.#family = family;
    this.#byId = o.acceptRepliesFromAnyAddress ? new Map() : undefined;
    // ipv6Only: IPv4 agents are polled from the udp4 sockets; no v4-mapped sources here.
    this.socket = createSocket({
      type: family,
      recvBufferSize: o.receiveBufferBytes,
      ...(family === 'udp6' ? { ipv6Only: true } : {}),
    });
    this.socket.on('error', (err) => this.#logger.warn({ err, family }, 'snmp socket error'));
    this.socket.on('message', (msg, rinfo) => this.#deliver(msg, rinfo));
    this.socket.unref();
  }

  get indexesIds(): boolean {
    return this.#byId !== undefined;
  }

  /** Request ids in the index (for tests and metrics). */
  get indexedIds(): number {
    return this.#byId?.size ?? 0;
  }

  attach(target: UdpEndpoint): VirtualSocket {
    const v = new VirtualSocket(this, target);
    let set = this.#byEndpoint.get(target.key);
    if (!set) this.#byEndpoint.set(target.key, (set = new Set()));
    set.add(v);
    this.size++;
    return v;
  }

  detach(v: VirtualSocket): void {
    const set = this.#byEndpoint.get(v.endpoint);
    if (set?.delete(v)) {
      this.size--;
      if (set.size === 0) this.#byEndpoint.delete(v.endpoint);
    }
  }

  index(id: number, v: VirtualSocket): void {
    const list = this.#byId?.get(id);
    if (!list) this.#byId?.set(id, [v]);
    else if (!list.includes(v)) list.push(v);
  }

  unindex(id: number, v: VirtualSocket): void {
    const list = this.#byId?.get(id);
    const i = list ? list.indexOf(v) : -1;
    if (i < 0) return;
    if (list!.length === 1) this.#byId!.delete(id);
    else list!.splice(i, 1);
  }

  #deliver(msg: Buffer, rinfo: RemoteInfo): void {
    // rinfo.address is canonical (inet_ntop): `127.0.0.1`, `::1`, `fe80::1%eth0`.
    const key =
      this.#family === 'udp6'
        ? `[${rinfo.address}]:${rinfo.port}`
        : `${rinfo.address}:${rinfo.port}`;
    const set = this.#byEndpoint.get(key);
    if (set) {
      if (set.size === 1) {
        this.#emit(set, msg, rinfo);
        return;
      }
      const id = peekRequestId(msg);
      // The id index holds every session that sent this id: O(1) where scanning the endpoint's
      // sessions is O(sessions) per datagram (150 devices behind one proxy address).
      const owner =
        id === undefined ? undefined : waiter(this.#byId ? this.#sentFrom(id, key) : set, id);
      // Two sessions drew the same random request id (an SNMP proxy fronting many devices at
      // one endpoint): the reply cannot be attributed. Dropping it lets both requests time out
      // and fail transiently, where guessing would hand one device the other's data.
      if (owner === null) return;
      // A late reply nobody waits for is dropped here rather than decoded by every session;
      // an unparseable datagram goes to all of them (each fails the poll it has in flight).
      if (owner === undefined && id !== undefined) return;
      this.#emit(owner ? [owner] : set, msg, rinfo);
      if (owner && id !== undefined) owner.release(id);
      return;
    }
    // No session polls this address: a late reply for a session that has gone, a stray
    // datagram, or a multi-homed agent answering from another address or port than the one
    // polled. The last is routed by request id alone, as net-snmp does on its own sockets.
    // Only unknown sources take this path: a polled agent's late reply never reaches another
    // session that happens to wait for the same id.
    const id = this.#byId ? peekRequestId(msg) : undefined;
    const target = id === undefined ? undefined : this.#byIdWaiter(id);
    if (!target) return; // unknown, or ambiguous (never guessed)
    this.#emit([target], msg, rinfo);
    target.release(id!);
  }

  #sentFrom(id: number, key: string): VirtualSocket[] {
    const list = this.#byId?.get(id);
    if (!list) return [];
    return list.length === 1
      ? list[0]!.endpoint === key
        ? list
        : []
      : list.filter((v) => v.endpoint === key);
  }

  #byIdWaiter(id: number): VirtualSocket | null | undefined {
    const list = this.#byId?.get(id);
    if (!list) return undefined;
    for (const v of [...list]) v.release(id); // entries of sockets no longer waiting go now
    return waiter(list, id);
  }

  #emit(targets: Iterable<VirtualSocket>, msg: Buffer, rinfo: RemoteInfo): void {
    for (const v of targets) {
      try {
        v.emit('message', msg, rinfo);
      } catch (err) {
        // net-snmp must never throw out of a socket callback: fail that session's poll instead.
        v.emit('deliveryError', err);
      }
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

export interface UdpSocketPoolOptions {
  /** Sockets per address family (udp4 and udp6 each, opened when first needed). */
  readonly socketCount: number;
  /** Kernel receive buffer of each socket, bytes (best effort). */
  readonly receiveBufferBytes: number;
  /** Route a reply no session at its source address waits for by request id alone. */
  readonly acceptRepliesFromAnyAddress: boolean;
}

/**
 * A fixed number of UDP sockets shared by all devices: 10,000 devices need `socketCount` file
 * descriptors per address family, not 10,000. Replies are routed by the agent's address and
 * port (and, when several sessions poll the same agent, by request id).
 */
export class UdpSocketPool {
  readonly #slots: Record<UdpTransport, SocketSlot[]> = { udp4: [], udp6: [] };
  readonly #next: Record<UdpTransport, number> = { udp4: 0, udp6: 0 };
  readonly #o: UdpSocketPoolOptions;
  readonly #logger: Logger;
  #closed = false;

  constructor(logger: Logger, options: UdpSocketPoolOptions) {
    this.#logger = logger;
    this.#o = options;
  }

  /**
   * A virtual socket for a session that talks to `address:port`, on a socket of the address's
   * family. `address` must be an IP literal (TypeError otherwise); see {@link udpEndpoint}.
   */
  attach(address: string, port: number): VirtualSocket {
    if (this.#closed) throw new Error('socket pool closed');
    const target = udpEndpoint(address, port);
    const t = target.transport;
    const slots = this.#slots[t];
    let slot: SocketSlot;
    if (slots.length < this.#o.socketCount) {
      slot = new SocketSlot(t, this.#logger, this.#o);
      slots.push(slot);
    } else {
      slot = slots[this.#next[t]++ % slots.length]!;
    }
    return slot.attach(target);
  }

  /** Open sockets, both families (for tests and metrics). */
  get socketCount(): number {
    return this.#slots.udp4.length + this.#slots.udp6.length;
  }

  /** Request ids held for routing replies from unexpected addresses (for tests and metrics). */
  get indexedRequestIds(): number {
    let n = 0;
    for (const s of [...this.#slots.udp4, ...this.#slots.udp6]) n += s.indexedIds;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const slots = [...this.#slots.udp4.splice(0), ...this.#slots.udp6.splice(0)];
    await Promise.all(slots.map((s) => s.close()));
  }
}
