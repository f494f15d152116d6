import pg from 'pg';
import type { ChangeChannel, ChangeSubscription } from './change-channel.js';

export interface PgChangeChannelSettings {
  readonly connectionString: string;
  readonly connectTimeoutMs: number;
  /** `SELECT 1` interval on the LISTEN connection (a dropped link without RST); 0: none. */
  readonly healthCheckMs: number;
}

/** LISTEN on a dedicated node-postgres connection to the server. */
export class PgChangeChannel implements ChangeChannel {
  readonly #s: PgChangeChannelSettings;

  constructor(settings: PgChangeChannelSettings) {
    this.#s = settings;
  }

  async open(
    channel: string,
    onNotify: (payload: string) => void,
    onLost: (err: Error) => void,
    signal: AbortSignal,
  ): Promise<ChangeSubscription> {
    const client = new pg.Client({
      connectionString: this.#s.connectionString,
      connectionTimeoutMillis: this.#s.connectTimeoutMs,
      query_timeout: this.#s.connectTimeoutMs,
      keepAlive: true,
      application_name: 'pollfleet-inventory-watch',
    });
    const sub = new PgSubscription(client, this.#s.healthCheckMs, onLost);
    // Listeners stay attached for the client's whole life (an 'error' without a listener would
    // crash the process).
    client.on('error', (err) => sub.lost(err));
    client.on('end', () => sub.lost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload !== undefined) onNotify(msg.payload);
    });
    const abandon = (): void => void sub.close();
    signal.addEventListener('abort', abandon, { once: true });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await sub.close();
      throw err;
    } finally {
      signal.removeEventListener('abort', abandon);
    }
    if (signal.aborted) {
      await sub.close();
      throw new Error('aborted');
    }
    sub.adopted();
    return sub;
  }
}

class PgSubscription implements ChangeSubscription {
  readonly #client: pg.Client;
  readonly #healthCheckMs: number;
  readonly #onLost: (err: Error) => void;
  #live = false;
  #done = false;
  #healthTimer: NodeJS.Timeout | undefined;

  constructor(client: pg.Client, healthCheckMs: number, onLost: (err: Error) => void) {
    this.#client = client;
    this.#healthCheckMs = healthCheckMs;
    this.#onLost = onLost;
  }

  get backendPid(): number | undefined {
    if (this.#done) return undefined;
    return (this.#client as pg.Client & { processID?: number }).processID;
  }

  /** LISTEN succeeded: losses from now on are reported. */
  adopted(): void {
    this.#live = true;
    this.#scheduleHealthCheck();
  }

  lost(err: Error): void {
    if (!this.#live || this.#done) return;
    this.#live = false;
    void this.close();
    this.#onLost(err);
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#live = false;
    clearTimeout(this.#healthTimer);
    try {
      await this.#client.end();
    } catch {
      // Already broken; nothing left to release.
    }
  }

  /** Notices a connection that died without a FIN/RST: a query that fails or times out. */
  #scheduleHealthCheck(): void {
    if (this.#healthCheckMs <= 0) return;
    this.#healthTimer = setTimeout(() => {
      this.#healthTimer = undefined;
      this.#client.query('SELECT 1').then(
        () => {
          if (this.#live) this.#scheduleHealthCheck();
        },
        (err: unknown) => this.lost(err instanceof Error ? err : new Error(String(err))),
      );
    }, this.#healthCheckMs);
  }
}
