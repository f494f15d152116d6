import https from 'node:https';
import type { Duplex } from 'node:stream';
import { CollectError, systemClock } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { RouterOsErrorCode, RouterOsTrapError } from './errors.js';
import { abortError, openSocket } from './transport.js';
import type { TlsSettings } from './transport.js';
import { describeTimeout, uncapped } from './poll-deadline.js';
import type { PhaseTimeout, PollDeadline } from './poll-deadline.js';
import type { RouterOsSession } from './session.js';

export interface RestSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings;
  readonly username: string;
  readonly password: string;
  /** @defaultValue 5000 */
  readonly connectTimeoutMs?: number;
  /** @defaultValue 10000 */
  readonly requestTimeoutMs?: number;
  /**
   * Largest response body accepted.
   * @defaultValue 16 MiB
   */
  readonly maxBodyBytes?: number;
  /**
   * Parallel HTTPS connections kept to the router.
   * @defaultValue 4
   */
  readonly maxSockets?: number;
  /** @defaultValue systemClock */
  readonly clock?: Clock;
}

/** Request option carrying a connect timeout to {@link CheckedAgent.createConnection}. */
const CONNECT_TIMEOUT = 'pollfleetConnectTimeout';

/**
 * An agent whose connections are made by {@link openSocket}: the certificate (CA, pinned
 * fingerprint or explicit self-signed) is checked before any request, and so before the
 * Authorization header, is written.
 */
class CheckedAgent extends https.Agent {
  readonly #open: (connectTimeout: PhaseTimeout | undefined) => ReturnType<typeof openSocket>;

  constructor(
    open: (connectTimeout: PhaseTimeout | undefined) => ReturnType<typeof openSocket>,
    maxSockets: number,
  ) {
    super({ keepAlive: true, maxSockets });
    this.#open = open;
  }

  override createConnection(
    options: unknown,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    // The request's options reach here: the poll's capped connect timeout rides along.
    const t = (options as { [CONNECT_TIMEOUT]?: PhaseTimeout } | null)?.[CONNECT_TIMEOUT];
    this.#open(t).then(
      (socket) => callback?.(null, socket),
      (err: unknown) => callback?.(err as Error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * The RouterOS 7 REST API (`https://host/rest/...`) as a {@link RouterOsSession}: GET prints
 * with `.proplist`, HTTP Basic authentication, keep-alive connections.
 */
export class RestSession implements RouterOsSession {
  readonly endpoint: string;
  readonly #agent: CheckedAgent;
  readonly #auth: string;
  readonly #requestTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #clock: Clock;
  readonly #maxSockets: number;
  /**
   * Requests in flight are capped at maxSockets: Node's agent destroys a freed socket when it
   * holds more than maxSockets, and with asynchronous socket creation it overshoots, so
   * uncapped parallel prints would open and drop a TLS connection on every poll.
   */
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  #failure: CollectError | undefined;

  constructor(o: RestSessionOptions) {
    this.endpoint = `${o.host}:${o.port}`;
    this.#clock = o.clock ?? systemClock;
    this.#requestTimeoutMs = o.requestTimeoutMs ?? 10_000;
    this.#maxBodyBytes = o.maxBodyBytes ?? 16 * 1024 * 1024;
    this.#auth = `Basic ${Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64')}`;
    const connectTimeoutMs = o.connectTimeoutMs ?? 5000;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#maxSockets = o.maxSockets ?? 4;
    this.#agent = new CheckedAgent(
      (t) =>
        openSocket({
          host: o.host,
          port: o.port,
          tls: o.tls,
          connectTimeoutMs: t?.ms ?? connectTimeoutMs,
          cappedByPoll: t?.cappedByPoll,
          clock: this.#clock,
        }),
      this.#maxSockets,
    );
  }

  get usable(): boolean {
    return this.#failure === undefined;
  }

  /**
   * Checks the credentials with one small request (REST has no login step); unanswered in
   * time it is `ROS_LOGIN_TIMEOUT`.
   */
  async login(signal: AbortSignal, deadline?: PollDeadline): Promise<void> {
    try {
      await this.print('/system/identity', ['name'], signal, deadline);
    } catch (err) {
      if (err instanceof CollectError && err.code === RouterOsErrorCode.commandTimeout) {
        throw CollectError.transient(
          RouterOsErrorCode.loginTimeout,
          `${this.endpoint}: connected, but the router did not answer the first REST request (the login check) in time: ${err.message}`,
        );
      }
      throw err;
    }
  }

  async print(
    path: string,
    proplist: readonly string[] | undefined,
    signal: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<Record<string, string>[]> {
    await this.#acquireSlot(path, signal);
    try {
      return await this.#get(path, proplist, signal, deadline);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }

  /** Waits for a free request slot (the slot is handed over directly by the releaser). */
  #acquireSlot(path: string, signal: AbortSignal): Promise<void> {
    if (this.#inFlight < this.#maxSockets) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiting.indexOf(take);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(abortError(signal, `${this.endpoint} ${path}`));
      };
      const take = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiting.push(take);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #get(
    path: string,
    proplist: readonly string[] | undefined,
    signal: AbortSignal,
    deadline: PollDeadline | undefined,
  ): Promise<Record<string, string>[]> {
    const timeout = deadline?.cap(this.#requestTimeoutMs) ?? uncapped(this.#requestTimeoutMs);
    const connectTimeout = deadline?.cap(this.#connectTimeoutMs);
    if (this.#failure) return Promise.reject(this.#failure);
    if (signal.aborted) return Promise.reject(abortError(signal, `${this.endpoint} ${path}`));
    const query =
      proplist && proplist.length > 0 ? `?.proplist=${encodeURIComponent(proplist.join(','))}` : '';
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err: CollectError | undefined, items?: Record<string, string>[]) => {
        if (done) return;
        done = true;
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else {
          resolve(items ?? []);
        }
      };
      const req = https.request({
        agent: this.#agent,
        method: 'GET',
        path: `/rest${path}${query}`,
        // The router's address, not the agent's default "localhost".
        headers: { host: this.endpoint, authorization: this.#auth, accept: 'application/json' },
        ...(connectTimeout ? { [CONNECT_TIMEOUT]: connectTimeout } : {}),
      });
      const onAbort = () => finish(abortError(signal, `${this.endpoint} ${path}`));
      const timer = this.#clock.setTimeout(() => {
        finish(
          CollectError.transient(
            RouterOsErrorCode.commandTimeout,
            `${this.endpoint} GET /rest${path}: no complete reply within ${describeTimeout(timeout)}`,
          ),
        );
      }, timeout.ms);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (err) =>
        finish(
          err instanceof CollectError
            ? this.#permanentFails(err)
            : restNetworkError(err, this.endpoint),
        ),
      );
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.#maxBodyBytes) {
            finish(
              CollectError.transient(
                RouterOsErrorCode.protocol,
                `${this.endpoint} ${path}: reply over ${this.#maxBodyBytes} bytes`,
              ),
            );
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err) => finish(restNetworkError(err, this.endpoint)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).toString('utf8');
          if (status === 200) {
            const items = parseItems(body);
            if (items) finish(undefined, items);
            else
              finish(
                CollectError.transient(
                  RouterOsErrorCode.protocol,
                  `${this.endpoint} ${path}: reply is not a JSON object or array`,
                ),
              );
            return;
          }
          finish(this.#statusError(status, path, body));
        });
      });
      req.end();
    });
  }

  #statusError(status: number, path: string, body: string): CollectError {
    if (status === 401) {
      return this.#permanentFails(
        CollectError.permanent(
          RouterOsErrorCode.authFailed,
          `${this.endpoint}: REST login failed: invalid user name or password`,
        ),
      );
    }
    if (status === 403) {
      return this.#permanentFails(
        CollectError.permanent(
          RouterOsErrorCode.permissionDenied,
          `${this.endpoint}: REST request refused: the user's group lacks the "rest-api" / "read" policy`,
        ),
      );
    }
    let message = `HTTP ${status}`;
    try {
      const j = JSON.parse(body) as { message?: unknown; detail?: unknown };
      if (typeof j.detail === 'string') message = `${message}: ${j.detail}`;
      else if (typeof j.message === 'string') message = `${message}: ${j.message}`;
    } catch {
      // not JSON: the status says enough
    }
    return new RouterOsTrapError(path, message.slice(0, 200), undefined);
  }

  /** Auth and TLS failures will not heal: stop using this session. */
  #permanentFails(err: CollectError): CollectError {
    if (err.kind === 'permanent') this.#failure = err;
    return err;
  }

  close(): void {
    this.#failure ??= CollectError.transient(
      RouterOsErrorCode.closed,
      `${this.endpoint}: connection closed`,
    );
    this.#agent.destroy();
  }
}

function restNetworkError(err: unknown, endpoint: string): CollectError {
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'network error';
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return CollectError.transient(
      RouterOsErrorCode.connectionReset,
      `${endpoint}: connection reset by the router`,
      err,
    );
  }
  if (code === 'HPE_INVALID_CONSTANT' || code.startsWith('HPE_')) {
    return CollectError.transient(
      RouterOsErrorCode.protocol,
      `${endpoint}: malformed HTTP reply (${code})`,
      err,
    );
  }
  return CollectError.transient(RouterOsErrorCode.network, `${endpoint}: ${code}`, err);
}

/** REST prints an object for single-item menus and an array for lists. */
function parseItems(body: string): Record<string, string>[] | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = Array.isArray(j) ? (j as unknown[]) : [j];
  const out: Record<string, string>[] = [];
  for (const it of list) {
    if (typeof it !== 'object' || it === null || Array.isArray(it)) return undefined;
    const item = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(it))
      item[k] = typeof v === 'string' ? v : JSON.stringify(v);
    out.push(item);
  }
  return out;
}
