import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { systemClock } from '@pollfleet/core';
import type { Clock, TimerHandle } from '@pollfleet/core';
import { restHandler } from './rest-handler.js';
import { RouterModel } from './router-model.js';
import type { Item, RouterModelOptions } from './router-model.js';
import { SentenceReader, sentence } from './wire.js';

/** Faults a simulated router can be told to show; change them at any time between polls. */
export interface SimulatorFaults {
  /** Delay before each reply, ms. */
  slowReplyMs?: number;
  /** Print commands get half their reply bytes, then the connection is destroyed. */
  dropMidReply?: boolean;
  /** Print commands are answered with a reserved control byte where a length belongs. */
  malformedLength?: boolean;
  /** Every login fails with "invalid user name or password". */
  rejectLogin?: boolean;
  /** Logins are read and never answered (a router too busy to log anyone in). */
  hangLogin?: boolean;
  /**
   * Plain API only: what a TLS ClientHello gets. `fatal`: `!fatal` and the connection closed;
   * `close`: the connection closed without a byte; `wait`: nothing (the router waits for the
   * rest of what it takes for a long word). Unset, the ClientHello is read as API words, so
   * which of the three happens depends on its random bytes, as on RouterOS.
   */
  tlsClientHello?: 'fatal' | 'close' | 'wait';
  /** Connections are accepted and then never read nor answered. */
  hangAfterAccept?: boolean;
  /** The first command after login is answered with `!fatal` and the connection closed. */
  fatal?: boolean;
  /** After login nothing is answered any more, `/cancel` included (a hung router). */
  hangAfterLogin?: boolean;
  /** These print paths (e.g. '/interface') are never answered, but `/cancel` works on them. */
  stall?: readonly string[];
  /** These print paths are answered with `!trap` of category 1 (argument error). */
  trap?: readonly string[];
}

export interface SimulatedRouterOptions extends RouterModelOptions {
  faults?: SimulatorFaults;
}

export interface RouterOsSimulatorOptions {
  /** Number of routers, or one options object per router. */
  routers: number | readonly SimulatedRouterOptions[];
  /** Applied under each router's own options. */
  defaults?: SimulatedRouterOptions;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /**
   * Router i listens on basePort + i; 0 gives each router its own free port.
   * @defaultValue 0
   */
  basePort?: number;
  /** Serve api-ssl (or REST) with this key and certificate (see `generateSelfSignedCertificate`). */
  tls?: { key: string; cert: string };
  /**
   * `rest`: the routers serve the RouterOS 7 REST API (GET prints) over HTTPS instead of the
   * API; needs `tls`.
   * @defaultValue 'api'
   */
  protocol?: 'api' | 'rest';
  /** Time source for uptime and counters, epoch ms. @defaultValue `clock.now` */
  now?: () => number;
  /** Timers for slow replies (and, unless `now` is given, the time). @defaultValue systemClock */
  clock?: Clock;
}

export interface RouterStats {
  connections: number;
  /** `/login` sentences received, answered or not. */
  loginAttempts: number;
  logins: number;
  commands: number;
  cancels: number;
  /** REST: the Host header of the last request. */
  lastHost?: string;
}

/** One simulated router: a listening socket and a {@link RouterModel}. */
export class SimulatedRouter {
  readonly host: string;
  readonly port: number;
  readonly model: RouterModel;
  faults: SimulatorFaults;
  readonly stats: RouterStats = {
    connections: 0,
    loginAttempts: 0,
    logins: 0,
    commands: 0,
    cancels: 0,
  };
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #timers = new Set<TimerHandle>();
  readonly #clock: Clock;
  #http: http.Server | undefined;

  private constructor(
    server: net.Server,
    host: string,
    port: number,
    o: SimulatedRouterOptions,
    now: () => number,
    clock: Clock,
  ) {
    this.#server = server;
    this.#clock = clock;
    this.host = host;
    this.port = port;
    this.model = new RouterModel(o, port, now);
    this.faults = { ...(o.faults ?? {}) };
  }

  static async listen(
    host: string,
    port: number,
    o: SimulatedRouterOptions,
    now: () => number,
    tlsOptions: { key: string; cert: string } | undefined,
    protocol: 'api' | 'rest' = 'api',
    clock: Clock = systemClock,
  ): Promise<SimulatedRouter> {
    if (protocol === 'rest' && !tlsOptions) throw new TypeError('the REST simulator needs tls');
    const holder: { router?: SimulatedRouter } = {};
    // TLS is layered per socket (not tls.createServer) so accept-then-hang can also hang the handshake.
    const context = tlsOptions ? tls.createSecureContext(tlsOptions) : undefined;
    const server = net.createServer((socket) => holder.router?.accept(socket, context));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as net.AddressInfo;
    const router = new SimulatedRouter(server, host, addr.port, o, now, clock);
    holder.router = router;
    if (protocol === 'rest') {
      // Sockets (TLS already layered on) are handed to an HTTP server that never listens itself.
      router.#http = http.createServer(restHandler(router, (fn, ms) => router.#later(fn, ms)));
    }
    return router;
  }

  /** Number of client connections currently open. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /**
   * A reboot: every connection is dropped, uptime and counters restart (see
   * {@link RouterModel.reboot} for the options).
   */
  reboot(o: { uptimeSeconds?: number; trafficScale?: number } = {}): void {
    this.model.reboot(o);
    this.dropConnections();
  }

  /** Destroys every client connection (a router reboot, a NAT timeout). */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private accept(raw: net.Socket, context: tls.SecureContext | undefined): void {
    this.stats.connections++;
    this.#sockets.add(raw);
    raw.on('close', () => this.#sockets.delete(raw));
    raw.on('error', () => {});
    raw.setNoDelay(true); // a router answers at once; Nagle + delayed ACK would add 40 ms
    if (this.faults.hangAfterAccept) return; // never read: the client's timeout must act
    const socket = context
      ? new tls.TLSSocket(raw, { isServer: true, secureContext: context })
      : raw;
    socket.on('error', () => {}); // a client that rejects our certificate, or resets
    if (this.#http) {
      this.#http.emit('connection', socket);
      return;
    }
    const reader = new SentenceReader();
    const session = { loggedIn: false, stalled: new Set<string>() };
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      const hello = this.faults.tlsClientHello;
      if (first && !context && hello && chunk[0] === 0x16 && chunk[1] === 3) {
        first = false;
        if (hello === 'fatal') {
          this.#send(socket, sentence(['!fatal', 'not logged in']), () => socket.end());
        } else if (hello === 'close') {
          socket.destroy();
        }
        return;
      }
      first = false;
      const sentences = reader.push(chunk);
      if (sentences === 'bad') {
        socket.destroy();
        return;
      }
      for (const words of sentences) this.#handle(socket, session, words);
    });
  }

  #later(fn: () => void, ms: number): void {
    const t = this.#clock.setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #send(socket: net.Socket, data: Buffer, after?: () => void): void {
    const delay = this.faults.slowReplyMs ?? 0;
    const write = () => {
      if (socket.destroyed) return;
      socket.write(data);
      after?.();
    };
    if (delay <= 0) {
      write();
      return;
    }
    this.#later(write, delay);
  }

  #handle(
    socket: net.Socket,
    session: { loggedIn: boolean; stalled: Set<string> },
    words: string[],
  ): void {
    const command = words[0] ?? '';
    const attrs: Record<string, string> = {};
    let tag: string | undefined;
    for (const w of words.slice(1)) {
      if (w.startsWith('.tag=')) tag = w.slice(5);
      else if (w.startsWith('=')) {
        const eq = w.indexOf('=', 1);
        attrs[eq < 0 ? w.slice(1) : w.slice(1, eq)] = eq < 0 ? '' : w.slice(eq + 1);
      }
    }
    const t = (s: string[]) => (tag === undefined ? s : [...s, `.tag=${tag}`]);
    const reply = (...sentences: string[][]) => Buffer.concat(sentences.map((s) => sentence(t(s))));

    if (command === '/login') {
      this.stats.loginAttempts++;
      if (this.faults.hangLogin) return;
      if (this.model.legacyLogin) {
        this.#send(socket, reply(['!done', '=ret=ebddd18303a54111e2dea05a92ab46b4']));
        return;
      }
      const user = this.model.users[attrs['name'] ?? ''];
      if (this.faults.rejectLogin || !user || user.password !== attrs['password']) {
        this.#send(
          socket,
          reply(['!trap', '=message=invalid user name or password (6)'], ['!done']),
        );
        return;
      }
      if (user.api === false) {
        this.#send(socket, reply(['!trap', '=message=not enough permissions (9)'], ['!done']));
        return;
      }
      session.loggedIn = true;
      this.stats.logins++;
      this.#send(socket, reply(['!done']));
      return;
    }
    if (!session.loggedIn) {
      this.#send(socket, sentence(['!fatal', 'not logged in']), () => socket.end());
      return;
    }
    if (this.faults.hangAfterLogin) return;
    if (command === '/cancel') {
      this.stats.cancels++;
      const target = attrs['tag'];
      const interrupted = (tg: string) =>
        Buffer.concat([
          sentence(['!trap', '=category=2', '=message=interrupted', `.tag=${tg}`]),
          sentence(['!done', `.tag=${tg}`]),
        ]);
      const targets =
        target === undefined
          ? [...session.stalled]
          : [target].filter((x) => session.stalled.has(x));
      for (const tg of targets) session.stalled.delete(tg);
      this.#send(socket, Buffer.concat([...targets.map(interrupted), reply(['!done'])]));
      return;
    }
    if (command === '/quit') {
      this.#send(socket, reply(['!fatal', 'session terminated on request']), () => socket.end());
      return;
    }
    this.stats.commands++;
    if (this.faults.fatal) {
      this.#send(socket, sentence(['!fatal', 'out of memory']), () => socket.end());
      return;
    }
    if (!command.endsWith('/print')) {
      this.#send(socket, reply(['!trap', '=message=no such command'], ['!done']));
      return;
    }
    const path = command.slice(0, -'/print'.length);
    if (this.faults.stall?.includes(path)) {
      session.stalled.add(tag ?? '');
      return;
    }
    if (this.faults.trap?.includes(path)) {
      this.#send(socket, reply(['!trap', '=category=1', '=message=unknown parameter'], ['!done']));
      return;
    }
    if (this.faults.malformedLength) {
      this.#send(socket, Buffer.from([0xf8, 0x21, 0x72, 0x65, 0x00]));
      return;
    }
    const items = this.model.print(path);
    if (items === undefined) {
      this.#send(socket, reply(['!trap', '=message=no such command prefix'], ['!done']));
      return;
    }
    const proplist = attrs['.proplist']?.split(',');
    const sentences = items.map((it) => ['!re', ...itemWords(it, proplist)]);
    if (sentences.length === 0 && this.model.sendsEmpty) sentences.push(['!empty']);
    const bytes = reply(...sentences, ['!done']);
    if (this.faults.dropMidReply) {
      this.#send(socket, bytes.subarray(0, Math.max(1, bytes.length >> 1)), () => socket.destroy());
      return;
    }
    this.#send(socket, bytes);
  }
}

function itemWords(item: Item, proplist: string[] | undefined): string[] {
  const keys = proplist ?? Object.keys(item);
  return keys.filter((k) => item[k] !== undefined).map((k) => `=${k}=${item[k]}`);
}

/** Many simulated routers on loopback, each on its own port. */
export class RouterOsSimulator {
  readonly routers: readonly SimulatedRouter[];

  private constructor(routers: SimulatedRouter[]) {
    this.routers = routers;
  }

  static async start(o: RouterOsSimulatorOptions): Promise<RouterOsSimulator> {
    const host = o.host ?? '127.0.0.1';
    const clock = o.clock ?? systemClock;
    const now = o.now ?? (() => clock.now());
    const list =
      typeof o.routers === 'number' ? Array.from({ length: o.routers }, () => ({})) : o.routers;
    const routers: SimulatedRouter[] = [];
    try {
      for (const [i, r] of list.entries()) {
        const port = o.basePort ? o.basePort + i : 0;
        const merged = { ...(o.defaults ?? {}), ...r };
        routers.push(
          await SimulatedRouter.listen(host, port, merged, now, o.tls, o.protocol, clock),
        );
      }
    } catch (err) {
      await Promise.allSettled(routers.map((r) => r.close()));
      throw err;
    }
    return new RouterOsSimulator(routers);
  }

  router(i: number): SimulatedRouter {
    const r = this.routers[i];
    if (!r) throw new RangeError(`no router ${i}`);
    return r;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.routers.map((r) => r.close()));
  }
}
