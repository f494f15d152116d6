import { CollectError } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { RouterOsConnection } from './connection.js';
import { RouterOsErrorCode } from './errors.js';
import { RestSession } from './rest-session.js';
import { abortError } from './transport.js';
import type { RouterOsSession } from './session.js';
import type { TlsSettings } from './transport.js';
import type { PollDeadline } from './poll-deadline.js';

/** What identifies a usable session: if any of it changes, a new connection is opened. */
export interface SessionParams {
  readonly transport: 'api' | 'api-ssl' | 'rest';
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSettings | undefined;
  readonly username: string;
  readonly password: string;
  readonly commandTimeoutMs: number;
}

interface Entry {
  readonly key: string;
  /** Compared directly, kept out of `key` so the key can be logged. */
  readonly password: string;
  readonly connection: Promise<RouterOsSession>;
  readonly abort: AbortController;
}

export interface DeviceConnectionsOptions {
  readonly clock: Clock;
  readonly connectTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly maxItems: number;
}

/**
 * One logged-in session (API connection or REST keep-alive agent) per device, reused across
 * polls, replaced when it failed or its parameters changed, closed on {@link forget} and
 * {@link close}.
 */
export class DeviceConnections {
  readonly #o: DeviceConnectionsOptions;
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  constructor(o: DeviceConnectionsOptions) {
    this.#o = o;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The device's usable connection, opening and logging in a new one when needed; `deadline`
   * (the poll's) caps the connect and login timeouts.
   */
  async acquire(
    deviceId: string,
    p: SessionParams,
    signal: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<RouterOsSession> {
    if (this.#closed) throw this.#closedError();
    const key = JSON.stringify([
      p.transport,
      p.host,
      p.port,
      p.tls ?? null,
      p.username,
      p.commandTimeoutMs,
    ]);
    const existing = this.#entries.get(deviceId);
    if (existing && existing.key === key && existing.password === p.password) {
      const c = await existing.connection.catch(() => undefined);
      if (c?.usable) return c;
      if (this.#closed) throw this.#closedError();
    }
    const current = this.#entries.get(deviceId);
    if (current && current !== existing) {
      // Another poll of the same device replaced it meanwhile: share that one.
      const c = await current.connection.catch(() => undefined);
      if (c?.usable) return c;
    }
    this.#drop(deviceId);
    const abort = new AbortController();
    const entry: Entry = {
      key,
      password: p.password,
      abort,
      connection: this.#open(p, AbortSignal.any([signal, abort.signal]), deadline),
    };
    this.#entries.set(deviceId, entry);
    try {
      return await entry.connection;
    } catch (err) {
      if (this.#entries.get(deviceId) === entry) this.#entries.delete(deviceId);
      throw err;
    }
  }

  async #open(
    p: SessionParams,
    signal: AbortSignal,
    deadline: PollDeadline | undefined,
  ): Promise<RouterOsSession> {
    if (p.transport === 'rest') return this.#openRest(p, signal, deadline);
    const c = await RouterOsConnection.open(
      {
        host: p.host,
        port: p.port,
        tls: p.transport === 'api' ? undefined : p.tls,
        connectTimeoutMs: this.#o.connectTimeoutMs,
        commandTimeoutMs: p.commandTimeoutMs,
        cancelTimeoutMs: this.#o.cancelTimeoutMs,
        maxItems: this.#o.maxItems,
        clock: this.#o.clock,
      },
      signal,
      deadline,
    );
    try {
      await c.login(p.username, p.password, signal, deadline);
    } catch (err) {
      c.close();
      throw err;
    }
    if (signal.aborted) {
      c.close();
      throw abortError(signal, c.endpoint);
    }
    return c;
  }

  async #openRest(
    p: SessionParams,
    signal: AbortSignal,
    deadline: PollDeadline | undefined,
  ): Promise<RouterOsSession> {
    if (!p.tls) throw new TypeError('REST needs TLS settings');
    const s = new RestSession({
      host: p.host,
      port: p.port,
      tls: p.tls,
      username: p.username,
      password: p.password,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      requestTimeoutMs: p.commandTimeoutMs,
      clock: this.#o.clock,
    });
    try {
      await s.login(signal, deadline);
    } catch (err) {
      s.close();
      throw err;
    }
    return s;
  }

  /** Closes the device's connection (also while it is still connecting). */
  forget(deviceId: string): void {
    this.#drop(deviceId);
  }

  #drop(deviceId: string): void {
    const e = this.#entries.get(deviceId);
    if (!e) return;
    this.#entries.delete(deviceId);
    e.abort.abort(this.#closedError());
    e.connection.then(
      (c) => c.close(),
      () => {},
    );
  }

  close(): void {
    this.#closed = true;
    for (const id of [...this.#entries.keys()]) this.#drop(id);
  }

  #closedError(): CollectError {
    return CollectError.transient(
      RouterOsErrorCode.closed,
      'RouterOS collector closed the connection',
    );
  }
}
