import type { InventoryChange, InventoryWatch } from '@pollfleet/core';
import pg from 'pg';
import type { Logger } from 'pino';
import { InventoryWatchError } from './errors.js';

/** The one channel every schema's device trigger notifies on; payload '<schema>:<id>'. */
export const DEVICE_CHANNEL = 'pollfleet_devices';

export interface DeviceChangeListenerSettings {
  readonly connectionString: string;
  readonly schema: string;
  readonly connectTimeoutMs: number;
  readonly debounceMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly healthCheckMs: number;
  readonly logger: Logger;
}

type ClientState = 'connecting' | 'listening' | 'reconnecting' | 'closed';

/**
 * A dedicated connection doing LISTEN on the device channel. Bursts of notifications are
 * collected for `debounceMs` and reported as one `onChange(ids)`. When the connection fails it
 * reports `onError`, reconnects with capped exponential backoff, and then reports
 * `onChange('all')`, because notifications sent while it was away are lost.
 */
export class DeviceChangeListener implements InventoryWatch {
  readonly #s: DeviceChangeListenerSettings;
  readonly #onChange: (change: InventoryChange) => void;
  readonly #onError: (err: Error) => void;
  #state: ClientState = 'connecting';
  #client: pg.Client | undefined;
  /** The client between connect() and adoption: its notifications already count. */
  #connecting: pg.Client | undefined;
  #pending = new Set<string>();
  #debounceTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** Called once when closed (the owning inventory forgets this watch). */
  onClosed: (() => void) | undefined;

  constructor(
    settings: DeviceChangeListenerSettings,
    onChange: (change: InventoryChange) => void,
    onError: (err: Error) => void,
  ) {
    this.#s = settings;
    this.#onChange = onChange;
    this.#onError = onError;
  }

  /** Connects and LISTENs; rejects if the first connection fails (nothing keeps retrying). */
  async start(): Promise<void> {
    try {
      await this.#connect();
    } catch (err) {
      this.#state = 'closed';
      throw new InventoryWatchError(`inventory watch could not connect: ${message(err)}`, err);
    }
  }

  /** The backend pid of the LISTEN connection (for diagnostics and tests). */
  get backendPid(): number | undefined {
    return (this.#client as (pg.Client & { processID?: number }) | undefined)?.processID;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.onClosed?.();
    clearTimeout(this.#debounceTimer);
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#healthTimer);
    this.#pending.clear();
    const clients = [this.#client, this.#connecting].filter((c) => c !== undefined);
    this.#client = undefined;
    await Promise.all(clients.map(endQuietly));
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#s.connectionString,
      connectionTimeoutMillis: this.#s.connectTimeoutMs,
      query_timeout: this.#s.connectTimeoutMs,
      keepAlive: true,
      application_name: 'pollfleet-inventory-watch',
    });
    // Listeners stay attached for the client's whole life (an 'error' without a listener would
    // crash the process); events from a client that is no longer current are ignored.
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    client.on('notification', (msg) => this.#notified(client, msg.channel, msg.payload));
    this.#connecting = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${DEVICE_CHANNEL}`);
    } catch (err) {
      await endQuietly(client);
      throw err;
    } finally {
      this.#connecting = undefined;
    }
    if (this.#state === 'closed') {
      await endQuietly(client);
      return;
    }
    this.#client = client;
    this.#state = 'listening';
    this.#scheduleHealthCheck(client);
    // A notification can arrive in the same packet as LISTEN's reply, before adoption.
    if (this.#pending.size > 0)
      this.#debounceTimer ??= setTimeout(() => this.#flush(), this.#s.debounceMs);
  }

  #notified(client: pg.Client, channel: string, payload: string | undefined): void {
    if (client !== this.#client && client !== this.#connecting) return;
    if (channel !== DEVICE_CHANNEL || payload === undefined) return;
    const sep = payload.lastIndexOf(':');
    if (sep < 0 || payload.slice(0, sep) !== this.#s.schema) return;
    this.#pending.add(payload.slice(sep + 1));
    this.#debounceTimer ??= setTimeout(() => this.#flush(), this.#s.debounceMs);
  }

  #flush(): void {
    this.#debounceTimer = undefined;
    // Not listening yet: #connect re-arms the timer once it is.
    if (this.#state !== 'listening' || this.#pending.size === 0) return;
    const ids = [...this.#pending];
    this.#pending.clear();
    // '*' is a TRUNCATE: every row may be gone.
    this.#emit(ids.includes('*') ? 'all' : ids);
  }

  #emit(change: InventoryChange): void {
    try {
      this.#onChange(change);
    } catch (err) {
      this.#s.logger.error({ err }, 'inventory onChange callback threw');
    }
  }

  #lost(client: pg.Client, err: Error): void {
    if (client !== this.#client || this.#state !== 'listening') return;
    this.#client = undefined;
    this.#state = 'reconnecting';
    clearTimeout(this.#healthTimer);
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = undefined;
    // Pending ids are covered by the 'all' reported after reconnecting.
    this.#pending.clear();
    void endQuietly(client);
    this.#s.logger.warn({ err }, 'inventory watch connection lost; reconnecting');
    this.#reportError(
      new InventoryWatchError(`inventory watch connection lost: ${err.message}`, err),
    );
    this.#scheduleReconnect();
  }

  #reportError(err: Error): void {
    try {
      this.#onError(err);
    } catch (cbErr) {
      this.#s.logger.error({ err: cbErr }, 'inventory onError callback threw');
    }
  }

  #scheduleReconnect(): void {
    const base = Math.min(this.#s.reconnectMaxMs, this.#s.reconnectMinMs * 2 ** this.#attempt);
    this.#attempt += 1;
    // +-20% jitter so a fleet does not reconnect in lock-step after a database restart.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), delay);
  }

  async #reconnect(): Promise<void> {
    this.#reconnectTimer = undefined;
    if (this.#state !== 'reconnecting') return;
    try {
      await this.#connect();
    } catch (err) {
      if (this.#state !== 'reconnecting') return;
      this.#s.logger.warn({ err, attempt: this.#attempt }, 'inventory watch reconnect failed');
      this.#reportError(
        new InventoryWatchError(`inventory watch reconnect failed: ${message(err)}`, err),
      );
      this.#scheduleReconnect();
      return;
    }
    // close() may have run while connecting (TS cannot see the await changed the state).
    if ((this.#state as ClientState) !== 'listening') return;
    this.#attempt = 0;
    this.#s.logger.info('inventory watch reconnected');
    this.#emit('all');
  }

  /** Notices a connection that died without a FIN/RST: a query that fails or times out. */
  #scheduleHealthCheck(client: pg.Client): void {
    if (this.#s.healthCheckMs <= 0) return;
    this.#healthTimer = setTimeout(() => {
      this.#healthTimer = undefined;
      client.query('SELECT 1').then(
        () => {
          if (client === this.#client && this.#state === 'listening') {
            this.#scheduleHealthCheck(client);
          }
        },
        (err: unknown) => this.#lost(client, err instanceof Error ? err : new Error(String(err))),
      );
    }, this.#s.healthCheckMs);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function endQuietly(client: pg.Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // Already broken; nothing left to release.
  }
}
