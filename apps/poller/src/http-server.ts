import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface StatusSource {
  health(): { healthy: boolean; reason?: string };
  ready(): Promise<boolean>;
  status(): unknown;
}

/**
 * `/metrics` (Prometheus), `/healthz` (liveness, tied to the engine's watchdog), `/readyz`
 * and `/status` (JSON a person can read). Nothing here ever includes a secret.
 */
export class PollerHttpServer {
  readonly #server: Server;
  readonly #registry: Registry;
  readonly #source: StatusSource;
  readonly #logger: Logger;

  constructor(registry: Registry, source: StatusSource, logger: Logger) {
    this.#registry = registry;
    this.#source = source;
    this.#logger = logger;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#logger.error({ err }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.#server.keepAliveTimeout = 5000;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'use GET' });
    switch (path) {
      case '/metrics': {
        const body = await this.#registry.metrics();
        res.writeHead(200, { 'content-type': this.#registry.contentType });
        res.end(body);
        return;
      }
      case '/healthz': {
        const h = this.#source.health();
        return json(
          res,
          h.healthy ? 200 : 503,
          h.healthy ? { status: 'ok' } : { status: 'unhealthy', reason: h.reason },
        );
      }
      case '/readyz': {
        const ready = await this.#source.ready();
        return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
      }
      case '/status':
      case '/':
        return json(res, 200, this.#source.status());
      default:
        return json(res, 404, {
          error: `no such endpoint ${path}; try /status, /metrics, /healthz, /readyz`,
        });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}
