import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, to take a real service (PostgreSQL, Redis)
 * away from one client without stopping it for everyone else.
 */
export class TcpProxy {
  readonly #targetPort: number;
  readonly #targetHost: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #cut = false;
  #blackhole = false;

  constructor(targetPort: number, targetHost = '127.0.0.1') {
    this.#targetPort = targetPort;
    this.#targetHost = targetHost;
  }

  async listen(): Promise<number> {
    const server = createServer((client) => this.#onClient(client));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Drops every connection and refuses new ones until {@link restore}. */
  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
  }

  /**
   * A silent partition: connections stay open and new ones are accepted, but nothing is
   * forwarded either way until {@link restore} (what a dropped route or a hung server looks like).
   */
  blackhole(): void {
    this.#blackhole = true;
    for (const s of this.#sockets) s.pause();
  }

  restore(): void {
    this.#cut = false;
    this.#blackhole = false;
    for (const s of this.#sockets) s.resume();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }

  #onClient(client: Socket): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#targetPort, this.#targetHost);
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.#blackhole) for (const s of [client, upstream]) s.pause();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
