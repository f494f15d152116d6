import type { InventoryChange, InventoryWatch } from '@pollfleet/core';
import type { Logger } from 'pino';
import type { ChangeChannel, ChangeSubscription } from './change-channel.js';
import { InventoryWatchError } from './errors.js';

/** The one channel every schema's device trigger notifies on; payload '<schema>:<id>'. */
export const DEVICE_CHANNEL = 'pollfleet_devices';

export interface DeviceChangeListenerSettings {
  /** Server connection or embedded database: where the LISTEN runs. */
  readonly channel: ChangeChannel;
  readonly schema: string;
  readonly debounceMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly logger: Logger;
}

type ListenerState = 'connecting' | 'listening' | 'reconnecting' | 'closed';

/** One subscription attempt; callbacks from an attempt that is no longer current are ignored. */
interface Attempt {
  sub: ChangeSubscription | undefined;
}

/**
 * A LISTEN on the device channel. Bursts of notifications are collected for `debounceMs` and
 * reported as one `onChange(ids)`. When the subscription is lost (only a server connection can
 * be) it reports `onError`, reconnects with capped exponential backoff, and then reports
 * `onChange('all')`, because notifications sent while it was away are lost.
 */
export class DeviceChangeListener implements InventoryWatch {
  readonly #s: DeviceChangeListenerSettings;
  readonly #onChange: (change: InventoryChange) => void;
  readonly #onError: (err: Error) => void;
  #state: ListenerState = 'connecting';
  #current: Attempt | undefined;
  /** The attempt between open() and adoption: its notifications already count. */
  #connecting: Attempt | undefined;
  #opening: Promise<unknown> | undefined;
  #abort = new AbortController();
  #pending = new Set<string>();
  #debounceTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
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

  /** Subscribes; rejects if the first attempt fails (nothing keeps retrying). */
  async start(): Promise<void> {
    try {
      await this.#connect();
    } catch (err) {
      this.#state = 'closed';
      throw new InventoryWatchError(`inventory watch could not connect: ${message(err)}`, err);
    }
  }

  /** The backend pid of the LISTEN connection on a server (diagnostics and tests). */
  get backendPid(): number | undefined {
    return this.#current?.sub?.backendPid;
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.onClosed?.();
    clearTimeout(this.#debounceTimer);
    clearTimeout(this.#reconnectTimer);
    this.#pending.clear();
    this.#abort.abort();
    const sub = this.#current?.sub;
    this.#current = undefined;
    // An open still in flight is abandoned through the signal; wait for it to let go.
    await Promise.all([sub?.close(), this.#opening?.catch(() => undefined)]);
  }

  async #connect(): Promise<void> {
    const attempt: Attempt = { sub: undefined };
    this.#connecting = attempt;
    const opening = this.#s.channel.open(
      DEVICE_CHANNEL,
      (payload) => this.#notified(attempt, payload),
      (err) => this.#lost(attempt, err),
      this.#abort.signal,
    );
    this.#opening = opening;
    try {
      attempt.sub = await opening;
    } finally {
      this.#connecting = undefined;
      this.#opening = undefined;
    }
    if (this.#state === 'closed') {
      await attempt.sub.close();
      return;
    }
    this.#current = attempt;
    this.#state = 'listening';
    // A notification can arrive in the same packet as LISTEN's reply, before adoption.
    if (this.#pending.size > 0)
      this.#debounceTimer ??= setTimeout(() => this.#flush(), this.#s.debounceMs);
  }

  #notified(attempt: Attempt, payload: string): void {
    if (attempt !== this.#current && attempt !== this.#connecting) return;
    if (this.#state === 'closed') return;
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

  #lost(attempt: Attempt, err: Error): void {
    if (attempt !== this.#current || this.#state !== 'listening') return;
    this.#current = undefined;
    this.#state = 'reconnecting';
    clearTimeout(this.#debounceTimer);
    this.#debounceTimer = undefined;
    // Pending ids are covered by the 'all' reported after reconnecting.
    this.#pending.clear();
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
    if ((this.#state as ListenerState) !== 'listening') return;
    this.#attempt = 0;
    this.#s.logger.info('inventory watch reconnected');
    this.#emit('all');
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
