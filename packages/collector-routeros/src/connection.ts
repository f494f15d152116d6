import type net from 'node:net';
import { CollectError, systemClock } from '@pollfleet/core';
import type { Clock, TimerHandle } from '@pollfleet/core';
import { SentenceDecoder, encodeSentence, parseReply } from './codec.js';
import type { DecoderLimits, ReplySentence } from './codec.js';
import {
  RouterOsErrorCode,
  RouterOsProtocolError,
  RouterOsTrapError,
  classifySocketError,
} from './errors.js';
import { abortError, openSocket, speaksTls } from './transport.js';
import { describeTimeout, uncapped } from './poll-deadline.js';
import type { PhaseTimeout, PollDeadline } from './poll-deadline.js';
import type { TlsSettings } from './transport.js';
import type { RouterOsSession } from './session.js';

export interface RouterOsConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** undefined: plain API (8728). */
  readonly tls?: TlsSettings | undefined;
  /**
   * TCP connect plus TLS handshake.
   * @defaultValue 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Time for one command's complete reply; then it is cancelled with `/cancel`.
   * @defaultValue 10000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Time for the router to confirm a `/cancel`; past it the connection is taken as hung and
   * destroyed.
   * @defaultValue 5000
   */
  readonly cancelTimeoutMs?: number;
  /**
   * Most `!re` items one command may return before it fails (memory bound).
   * @defaultValue 50000
   */
  readonly maxItems?: number;
  /**
   * Most reply bytes (item keys and values) the pending commands of one connection may hold
   * together. Past it the connection fails: a router streaming endless valid items must not
   * exhaust the heap within a command timeout.
   * @defaultValue 64 MiB
   */
  readonly maxBufferedBytes?: number;
  readonly decoderLimits?: DecoderLimits;
  /** @defaultValue systemClock */
  readonly clock?: Clock;
}

interface ResolvedConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings | undefined;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly maxItems: number;
  readonly maxBufferedBytes: number;
  readonly decoderLimits: DecoderLimits;
  readonly clock: Clock;
}

function resolveConnectionOptions(o: RouterOsConnectionOptions): ResolvedConnectionOptions {
  return {
    host: o.host,
    port: o.port,
    tls: o.tls,
    connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
    cancelTimeoutMs: o.cancelTimeoutMs ?? 5000,
    maxItems: o.maxItems ?? 50_000,
    maxBufferedBytes: o.maxBufferedBytes ?? 64 * 1024 * 1024,
    decoderLimits: o.decoderLimits ?? {},
    clock: o.clock ?? systemClock,
  };
}

/** The complete reply to one command. */
export interface CommandReply {
  /** One attribute map per `!re`. */
  readonly items: Record<string, string>[];
  /** Attributes of the `!done` (the `ret` of an add, for example). */
  readonly done: Record<string, string>;
  /** True when the router said `!empty` (RouterOS 7.18+ for an empty print). */
  readonly empty: boolean;
}

export interface CommandOptions {
  /** Overrides the connection's command timeout. */
  readonly timeoutMs?: number;
  /** True when `timeoutMs` is what was left of the poll (said in the error). */
  readonly cappedByPoll?: boolean;
  /** Abort: the command is cancelled on the router and rejects at once. */
  readonly signal?: AbortSignal | undefined;
}

interface Pending {
  readonly command: string;
  readonly items: Record<string, string>[];
  /** Bytes of `items`, counted into the connection's buffered total. */
  bytes: number;
  empty: boolean;
  trap: { message: string; category: number | undefined } | undefined;
  readonly timer: TimerHandle;
  readonly resolve: (r: CommandReply) => void;
  readonly reject: (e: CollectError) => void;
  readonly cleanup: () => void;
}

/**
 * One API session to one router: tagged commands multiplexed on one socket. Any socket error,
 * malformed byte, `!fatal` or unanswered `/cancel` fails every pending command and closes the
 * connection for good ({@link usable} turns false); the owner opens a new one.
 */
export class RouterOsConnection implements RouterOsSession {
  readonly endpoint: string;
  readonly #o: ResolvedConnectionOptions;
  readonly #socket: net.Socket;
  readonly #decoder: SentenceDecoder;
  readonly #pending = new Map<string, Pending>();
  #bufferedBytes = 0;
  /** Bytes the router sent so far: the first ones tell a TLS port from an API one. */
  #received = 0;
  #nextTag = 0;
  #failure: CollectError | undefined;

  private constructor(o: ResolvedConnectionOptions, socket: net.Socket) {
    this.#o = o;
    this.endpoint = `${o.host}:${o.port}`;
    this.#socket = socket;
    this.#decoder = new SentenceDecoder(o.decoderLimits);
    socket.setNoDelay(true);
    // Finds a peer that vanished while the connection idled between polls.
    socket.setKeepAlive(true, 15_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(classifySocketError(err, this.endpoint)));
    socket.on('close', () =>
      this.#fail(
        CollectError.transient(
          RouterOsErrorCode.connectionReset,
          `${this.endpoint}: connection closed by the router`,
        ),
      ),
    );
  }

  /**
   * Connects (TCP or TLS), without logging in. `deadline` (the poll's) caps the connect
   * timeout, so a poll that runs out while connecting says so.
   */
  static async open(
    options: RouterOsConnectionOptions,
    signal?: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<RouterOsConnection> {
    const o = resolveConnectionOptions(options);
    const t = deadline?.cap(o.connectTimeoutMs) ?? uncapped(o.connectTimeoutMs);
    const socket = await openSocket({
      ...o,
      connectTimeoutMs: t.ms,
      cappedByPoll: t.cappedByPoll,
      signal,
    });
    return new RouterOsConnection(o, socket);
  }

  /** The command timeout, capped by the poll's deadline when there is one. */
  #commandTimeout(deadline: PollDeadline | undefined): PhaseTimeout {
    return deadline?.cap(this.#o.commandTimeoutMs) ?? uncapped(this.#o.commandTimeoutMs);
  }

  /** False once the connection failed or was closed. */
  get usable(): boolean {
    return this.#failure === undefined;
  }

  /** Commands awaiting their `!done`. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * `/login =name= =password=` (RouterOS 6.43+). Rejects permanently on bad credentials,
   * a user without the api policy, a pre-6.43 router (challenge login), or a TLS port
   * (`ROS_TRANSPORT_MISMATCH`); with `ROS_LOGIN_TIMEOUT` when unanswered in time.
   */
  async login(
    name: string,
    password: string,
    signal?: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<void> {
    let reply: CommandReply;
    const timeout = this.#commandTimeout(deadline);
    try {
      reply = await this.command(['/login', `=name=${name}`, `=password=${password}`], {
        signal,
        timeoutMs: timeout.ms,
        cappedByPoll: timeout.cappedByPoll,
      });
    } catch (err) {
      if (err instanceof CollectError && err.code === RouterOsErrorCode.commandTimeout) {
        this.close();
        throw CollectError.transient(
          RouterOsErrorCode.loginTimeout,
          `${this.endpoint}: connected, but the router did not answer the login within ${describeTimeout(timeout)}`,
        );
      }
      if (err instanceof CollectError && err.code === RouterOsErrorCode.connectionReset) {
        throw await this.#closedOnLogin(err, signal, deadline);
      }
      if (!(err instanceof RouterOsTrapError)) throw err;
      this.close();
      const msg = err.message;
      if (/permission|not allowed|policy/i.test(msg)) {
        throw CollectError.permanent(
          RouterOsErrorCode.permissionDenied,
          `${this.endpoint}: login as "${name}" refused: the user's group lacks the "api" policy`,
        );
      }
      throw CollectError.permanent(
        RouterOsErrorCode.authFailed,
        `${this.endpoint}: login as "${name}" failed: invalid user name or password`,
      );
    }
    if (reply.done['ret'] !== undefined) {
      this.close();
      throw CollectError.permanent(
        RouterOsErrorCode.unsupportedVersion,
        `${this.endpoint}: the router asked for the challenge login of RouterOS before 6.43, which is not supported; upgrade RouterOS to 6.43 or later`,
      );
    }
  }

  /**
   * The router closed the connection without a byte in answer to the login. A RouterOS API
   * always answers a login; a TLS service drops a client that does not speak TLS. One TLS
   * handshake (no request, nothing sent after it) tells the two apart.
   */
  async #closedOnLogin(
    err: CollectError,
    signal: AbortSignal | undefined,
    deadline: PollDeadline | undefined,
  ): Promise<CollectError> {
    if (this.#o.tls || this.#received > 0 || signal?.aborted) return err;
    const t = deadline?.cap(this.#o.connectTimeoutMs) ?? uncapped(this.#o.connectTimeoutMs);
    const tls = await speaksTls({
      host: this.#o.host,
      port: this.#o.port,
      timeoutMs: t.ms,
      clock: this.#o.clock,
      signal,
    });
    return tls ? this.#tlsPortError(err) : err;
  }

  #tlsPortError(cause: unknown): CollectError {
    return CollectError.permanent(
      RouterOsErrorCode.transportMismatch,
      `${this.endpoint}: this port speaks TLS (api-ssl?); options.transport is "api": set it to "api-ssl", or use the plain API port (8728)`,
      cause,
    );
  }

  /**
   * Sends one command (`words[0]` is the path, then `=name=value` / `?query` words) and
   * resolves with its complete reply. A `!trap` rejects with {@link RouterOsTrapError}.
   */
  command(words: readonly string[], options: CommandOptions = {}): Promise<CommandReply> {
    const command = words[0] ?? '';
    if (this.#failure) return Promise.reject(this.#failure);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal, `${this.endpoint} ${command}`));
    const tag = String(++this.#nextTag);
    const timeoutMs = options.timeoutMs ?? this.#o.commandTimeoutMs;
    const within = describeTimeout({ ms: timeoutMs, cappedByPoll: options.cappedByPoll ?? false });
    return new Promise<CommandReply>((resolve, reject) => {
      const onAbort = () => this.#abandon(tag, abortError(signal, `${this.endpoint} ${command}`));
      const timer = this.#o.clock.setTimeout(() => {
        this.#abandon(
          tag,
          CollectError.transient(
            RouterOsErrorCode.commandTimeout,
            `${this.endpoint} ${command}: no complete reply within ${within}`,
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(tag, {
        command,
        items: [],
        bytes: 0,
        empty: false,
        trap: undefined,
        timer,
        resolve,
        reject,
        cleanup: () => {
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
        },
      });
      this.#socket.write(encodeSentence([...words, `.tag=${tag}`]));
    });
  }

  /** `<path>/print` with an optional `.proplist`, as a {@link RouterOsSession}. */
  async print(
    path: string,
    proplist: readonly string[] | undefined,
    signal: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<Record<string, string>[]> {
    const words = [`${path}/print`];
    if (proplist && proplist.length > 0) words.push(`=.proplist=${proplist.join(',')}`);
    const t = this.#commandTimeout(deadline);
    return (await this.command(words, { signal, timeoutMs: t.ms, cappedByPoll: t.cappedByPoll }))
      .items;
  }

  /** Rejects a pending command and asks the router to stop it; an unanswered cancel = hung. */
  #abandon(tag: string, err: CollectError): void {
    const p = this.#pending.get(tag);
    if (!p) return;
    this.#settle(tag, p);
    p.reject(err);
    if (this.#failure) return;
    this.command(['/cancel', `=tag=${tag}`], { timeoutMs: this.#o.cancelTimeoutMs }).catch(
      (cancelErr: unknown) => {
        if (
          cancelErr instanceof CollectError &&
          cancelErr.code === RouterOsErrorCode.commandTimeout
        ) {
          this.#fail(
            CollectError.transient(
              RouterOsErrorCode.commandTimeout,
              `${this.endpoint}: connection hung (a /cancel got no answer); dropped`,
            ),
          );
        }
      },
    );
  }

  #settle(tag: string, p: Pending): void {
    this.#pending.delete(tag);
    this.#bufferedBytes -= p.bytes;
    p.cleanup();
  }

  #onData(chunk: Buffer): void {
    if (this.#failure) return;
    // No RouterOS reply starts with 0x14-0x17 (a 20-23 byte reply word); a TLS record does.
    if (this.#received === 0 && !this.#o.tls && looksLikeTlsRecord(chunk)) {
      this.#fail(this.#tlsPortError(undefined));
      return;
    }
    this.#received += chunk.length;
    let sentences: string[][];
    try {
      sentences = this.#decoder.push(chunk);
    } catch (err) {
      this.#fail(classifySocketError(err, this.endpoint));
      return;
    }
    for (const words of sentences) {
      this.#onReply(parseReply(words));
      if (this.#failure) return;
    }
  }

  #onReply(r: ReplySentence): void {
    if (r.type === '!fatal') {
      const why = r.message ?? r.attributes['message'] ?? 'no reason given';
      this.#fail(
        CollectError.transient(
          RouterOsErrorCode.fatal,
          `${this.endpoint}: router ended the session: ${why}`,
        ),
      );
      return;
    }
    const known =
      r.type === '!re' || r.type === '!done' || r.type === '!trap' || r.type === '!empty';
    if (!known) {
      this.#fail(
        classifySocketError(
          new RouterOsProtocolError(`unknown reply type "${r.type.slice(0, 20)}"`),
          this.endpoint,
        ),
      );
      return;
    }
    // Untagged or unknown tag: a late reply to a command we gave up on. Nothing waits for it.
    const p = r.tag === undefined ? undefined : this.#pending.get(r.tag);
    if (!p || r.tag === undefined) return;
    if (r.type === '!re') {
      if (p.items.length >= this.#o.maxItems) {
        this.#abandon(
          r.tag,
          CollectError.transient(
            RouterOsErrorCode.protocol,
            `${this.endpoint} ${p.command}: more than ${this.#o.maxItems} items`,
          ),
        );
        return;
      }
      let size = 0;
      for (const k in r.attributes) size += k.length + (r.attributes[k]?.length ?? 0);
      p.bytes += size;
      this.#bufferedBytes += size;
      if (this.#bufferedBytes > this.#o.maxBufferedBytes) {
        this.#fail(
          CollectError.transient(
            RouterOsErrorCode.protocol,
            `${this.endpoint} ${p.command}: replies exceed ${this.#o.maxBufferedBytes} bytes; connection dropped`,
          ),
        );
        return;
      }
      p.items.push(r.attributes);
    } else if (r.type === '!empty') {
      p.empty = true;
    } else if (r.type === '!trap') {
      const cat = r.attributes['category'];
      p.trap ??= {
        message: r.attributes['message'] ?? 'no message',
        category: cat === undefined || !/^\d+$/.test(cat) ? undefined : Number(cat),
      };
    } else {
      this.#settle(r.tag, p);
      if (p.trap) p.reject(new RouterOsTrapError(p.command, p.trap.message, p.trap.category));
      else p.resolve({ items: p.items, done: r.attributes, empty: p.empty });
    }
  }

  #fail(err: CollectError): void {
    if (this.#failure) return;
    this.#failure = err;
    const pending = [...this.#pending.entries()];
    this.#pending.clear();
    this.#bufferedBytes = 0;
    for (const [, p] of pending) {
      p.cleanup();
      // A router may close right after a `!trap` (a refused login): the trap is the real answer.
      p.reject(p.trap ? new RouterOsTrapError(p.command, p.trap.message, p.trap.category) : err);
    }
    this.#socket.destroy();
  }

  /** Closes the socket; pending commands reject with `ROS_CLOSED`. Idempotent. */
  close(): void {
    this.#fail(
      CollectError.transient(RouterOsErrorCode.closed, `${this.endpoint}: connection closed`),
    );
  }
}

/** A TLS record header (content type 20-23, version major 3) at the start of `chunk`. */
function looksLikeTlsRecord(chunk: Buffer): boolean {
  const type = chunk[0];
  return type !== undefined && type >= 0x14 && type <= 0x17 && (chunk.length < 2 || chunk[1] === 3);
}
