import { CollectError, InFlightPolls, toCollectError } from '@pollfleet/core';
import type {
  CollectContext,
  CollectResult,
  Collector,
  CollectorDeps,
  CollectorRegistry,
  DeviceSpec,
} from '@pollfleet/core';
import { DeviceConnections } from './device-connections.js';
import type { SessionParams } from './device-connections.js';
import type { RouterOsSession } from './session.js';
import { RouterOsErrorCode, RouterOsTrapError } from './errors.js';
import { InterfaceRateTracker } from './interface-rates.js';
import { PollDeadline } from './poll-deadline.js';
import type { InterfaceSample } from './interface-rates.js';
import {
  INTERFACE_PROPLIST,
  normaliseHealth,
  normaliseInterface,
  normaliseItem,
  normaliseRouterboard,
  normaliseSystem,
} from './normalise.js';
import type { HealthSensor, RouterboardInfo, SystemInfo } from './normalise.js';
import { parseRouterOsOptions, resolveRouterOsCollectorOptions } from './options.js';
import type {
  ExtraCommand,
  ResolvedRouterOsCollectorOptions,
  RouterOsCollectorOptions,
  RouterOsOptions,
} from './options.js';

type ResolvedTransport = 'api' | 'api-ssl' | 'rest';

/** How long `auto` trusts what it found before probing again (a router may be upgraded). */
const AUTO_REMEMBER_MS = 24 * 3_600_000;

/**
 * Errors that mean no plain API answers on that port, so `auto` tries the other transport
 * (a TLS service on the API port is no plain API either).
 */
const UNREACHABLE = new Set<string>([
  RouterOsErrorCode.connectRefused,
  RouterOsErrorCode.connectTimeout,
  RouterOsErrorCode.tlsHandshakeTimeout,
  RouterOsErrorCode.connectionReset,
  RouterOsErrorCode.transportMismatch,
]);

/**
 * Keys in the collector's shared state. The registry already namespaces them under
 * `routeros:` (in Redis `<prefix>:state:collectors:routeros:transport:<deviceId>`).
 */
export const routerOsKeys = {
  transport: (deviceId: string): string => `transport:${deviceId}`,
};

type Print = (path: string, proplist?: readonly string[]) => Promise<Record<string, string>[]>;

export const ROUTEROS_API_PORT = 8728;
export const ROUTEROS_API_SSL_PORT = 8729;
export const ROUTEROS_REST_PORT = 443;

export type ExtraResult =
  | { readonly ok: true; readonly items: Record<string, number | boolean | string>[] }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** What one poll publishes (`CollectResult.data`). Units are in the README. */
export interface RouterOsData {
  readonly transport: ResolvedTransport;
  /** Epoch ms when the interface counters were read (the base of the rates). */
  readonly sampledAt: number;
  readonly system: SystemInfo;
  /** Null on CHR/x86 or where `/system/routerboard` does not exist. */
  readonly routerboard: RouterboardInfo | null;
  /** Empty where the device has no sensors. */
  readonly health: HealthSensor[];
  readonly interfaces: InterfaceSample[];
  readonly extras: Record<string, ExtraResult>;
}

/**
 * Polls MikroTik routers over the RouterOS API (plain or TLS): system resource, identity,
 * routerboard, health, interfaces with rates, and per-device extra prints. One connection per
 * device, reused across polls; the commands of one poll run concurrently as tagged commands.
 */
export class RouterOsCollector implements Collector<RouterOsOptions> {
  readonly type = 'routeros';
  readonly defaultPort = ROUTEROS_API_PORT;
  readonly #deps: CollectorDeps;
  readonly #o: ResolvedRouterOsCollectorOptions;
  readonly #connections: DeviceConnections;
  readonly #rates = new InterfaceRateTracker();
  /** `auto` devices' transport as found by a probe, until the time given; dropped in forget. */
  readonly #autoTransport = new Map<string, { transport: 'api' | 'rest'; until: number }>();
  /** Polls in flight, so a forget() during one is not undone by a connection it opens later. */
  readonly #polling = new InFlightPolls();

  constructor(deps: CollectorDeps, options: RouterOsCollectorOptions = {}) {
    this.#deps = deps;
    this.#o = resolveRouterOsCollectorOptions(options);
    this.#connections = new DeviceConnections({
      clock: deps.clock,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      cancelTimeoutMs: this.#o.cancelTimeoutMs,
      maxItems: this.#o.maxItemsPerCommand,
    });
  }

  parseOptions(raw: unknown, deviceId: string): RouterOsOptions {
    return parseRouterOsOptions(raw, deviceId);
  }

  /** The port a device with these options listens on by default. */
  defaultPortFor(options: RouterOsOptions): number {
    if (options.transport === 'api-ssl') return ROUTEROS_API_SSL_PORT;
    return options.transport === 'rest' ? ROUTEROS_REST_PORT : ROUTEROS_API_PORT;
  }

  /** Devices with an open (or opening) connection. */
  get openConnections(): number {
    return this.#connections.size;
  }

  async collect(
    device: DeviceSpec<RouterOsOptions>,
    ctx: CollectContext,
  ): Promise<CollectResult<RouterOsData>> {
    const o = device.options;
    const username = ctx.credentials?.get('username') ?? o.username;
    const password = ctx.credentials?.get('password');
    if (username === undefined || password === undefined) {
      throw CollectError.permanent(
        RouterOsErrorCode.credentialsMissing,
        `device ${device.id}: no RouterOS ${username === undefined ? 'user name' : 'password'}; set credentials "username" and "password" (or options.username)`,
      );
    }
    // A null port was resolved through defaultPortFor (8729 for api-ssl, 443 for REST).
    const port = device.port;
    const base = {
      host: device.host,
      tls: o.tls,
      username,
      password,
      commandTimeoutMs: o.commandTimeoutMs ?? this.#o.commandTimeoutMs,
    };
    // The engine aborts the poll at timeout_ms; each phase's own timeout ends just before, so
    // the phase that ran out (connect, TLS handshake, login, a command) is the error.
    const deadline = new PollDeadline(this.#deps.clock, device.timeoutMs);
    let conn: RouterOsSession | undefined;
    const mark = this.#polling.begin(device.id);
    try {
      let transport: ResolvedTransport;
      if (o.transport !== 'auto') {
        transport = o.transport;
        const p = { ...base, transport, port };
        conn = await this.#connections.acquire(device.id, p, ctx.signal, deadline);
      } else {
        const found = await this.#auto(device.id, base, port, o.restPort, ctx.signal, deadline);
        ({ transport, conn } = found);
      }
      return { data: await this.#poll(device, o, transport, conn, ctx.signal, deadline) };
    } catch (err) {
      const e = toCollectError(err);
      if (e.kind === 'permanent' || (conn && !conn.usable)) this.#connections.forget(device.id);
      ctx.logger.debug({ code: e.code, kind: e.kind }, 'routeros poll failed');
      throw e;
    } finally {
      // forget() ran during this poll: drop the connection and state it created afterwards.
      if (this.#polling.end(device.id, mark)) this.#forgetNow(device.id);
      else if (!this.#o.reuseConnections) this.#connections.forget(device.id);
    }
  }

  /**
   * `auto`: the transport remembered for the device (here or, from another pod, in shared
   * state), else a probe: the plain API on the row's port, then REST on `restPort` when nothing
   * answered on the API port.
   */
  async #auto(
    deviceId: string,
    base: Omit<SessionParams, 'transport' | 'port'>,
    apiPort: number,
    restPort: number | undefined,
    signal: AbortSignal,
    deadline: PollDeadline,
  ): Promise<{ transport: 'api' | 'rest'; conn: RouterOsSession }> {
    const rest = { ...base, transport: 'rest' as const, port: restPort ?? ROUTEROS_REST_PORT };
    const api = { ...base, tls: undefined, transport: 'api' as const, port: apiPort };
    const key = routerOsKeys.transport(deviceId);
    const now = this.#deps.clock.now();
    const cached = this.#autoTransport.get(deviceId);
    let known = cached && cached.until > now ? cached.transport : undefined;
    if (known === undefined) {
      // Shared state is an optimisation: if it cannot be read, probe.
      const shared = await this.#deps.sharedState.get(key).catch(() => undefined);
      if (shared === 'api' || shared === 'rest') known = shared;
    }
    if (known !== undefined) {
      this.#autoTransport.set(deviceId, { transport: known, until: now + AUTO_REMEMBER_MS });
      return {
        transport: known,
        conn: await this.#connections.acquire(
          deviceId,
          known === 'api' ? api : rest,
          signal,
          deadline,
        ),
      };
    }
    const remember = async (t: 'api' | 'rest') => {
      this.#autoTransport.set(deviceId, {
        transport: t,
        until: this.#deps.clock.now() + AUTO_REMEMBER_MS,
      });
      await this.#deps.sharedState.set(key, t, AUTO_REMEMBER_MS).catch(() => undefined);
    };
    let apiError: CollectError;
    try {
      const conn = await this.#connections.acquire(deviceId, api, signal, deadline);
      await remember('api');
      return { transport: 'api', conn };
    } catch (err) {
      apiError = toCollectError(err);
      if (!UNREACHABLE.has(apiError.code)) {
        // Only a definite answer (a refused login, say) proves an API router; an aborted,
        // closed or timed-out probe proves nothing and must not be remembered fleet-wide.
        if (apiError.kind === 'permanent') await remember('api');
        throw apiError;
      }
    }
    try {
      const conn = await this.#connections.acquire(deviceId, rest, signal, deadline);
      await remember('rest');
      return { transport: 'rest', conn };
    } catch (err) {
      const restError = toCollectError(err);
      const mismatch = restError.code === RouterOsErrorCode.transportMismatch;
      // Neither answers: report the API side. A plain API on restPort is worth saying.
      if (UNREACHABLE.has(restError.code) && !mismatch) throw apiError;
      if (restError.kind === 'permanent' && !mismatch) await remember('rest');
      throw restError;
    }
  }

  async #poll(
    device: DeviceSpec<RouterOsOptions>,
    o: RouterOsOptions,
    transport: ResolvedTransport,
    conn: RouterOsSession,
    signal: AbortSignal,
    deadline: PollDeadline,
  ): Promise<RouterOsData> {
    const run: Print = (path, proplist) => conn.print(path, proplist, signal, deadline);
    const resource = run('/system/resource');
    const identity = run('/system/identity');
    // Rates need the time the counters were read, not when the slowest print finished.
    let interfacesAt = 0;
    const interfaces = run('/interface', INTERFACE_PROPLIST).then((items) => {
      interfacesAt = this.#deps.clock.now();
      return items;
    });
    const routerboard = optional(run('/system/routerboard'));
    const health = optional(run('/system/health'));
    const extras = o.extras.map((x) => this.#extra(run, x));
    // Every promise gets a handler before any is awaited: no rejection goes unhandled.
    const settled = await Promise.allSettled([
      resource,
      identity,
      interfaces,
      routerboard,
      health,
      ...extras,
    ]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [res, id, ifs, rb, hl] = await Promise.all([
      resource,
      identity,
      interfaces,
      routerboard,
      health,
    ]);
    const sampledAt = interfacesAt;
    const extraResults: Record<string, ExtraResult> = {};
    for (const [i, x] of o.extras.entries()) {
      const s = settled[5 + i];
      if (s?.status === 'fulfilled') extraResults[x.name] = s.value as ExtraResult;
    }
    const system = normaliseSystem(res[0] ?? {}, id[0]);
    return {
      transport,
      sampledAt,
      system,
      routerboard: normaliseRouterboard(rb?.[0]),
      health: normaliseHealth(hl ?? []),
      interfaces: this.#rates.sample(
        device.id,
        sampledAt,
        ifs.map(normaliseInterface),
        system.uptimeSeconds,
      ),
      extras: extraResults,
    };
  }

  /** An extra's failure is reported in its slot; only connection-level failures fail the poll. */
  async #extra(run: Print, x: ExtraCommand): Promise<ExtraResult> {
    try {
      const items = await run(x.command, x.proplist);
      return { ok: true, items: items.map(normaliseItem) };
    } catch (err) {
      if (
        err instanceof RouterOsTrapError ||
        (err instanceof CollectError && err.code === RouterOsErrorCode.commandTimeout)
      ) {
        return { ok: false, error: { code: err.code, message: err.message } };
      }
      throw err;
    }
  }

  forget(deviceId: string): void {
    this.#polling.forgotten(deviceId);
    this.#forgetNow(deviceId);
  }

  #forgetNow(deviceId: string): void {
    this.#autoTransport.delete(deviceId);
    this.#connections.forget(deviceId);
    this.#rates.forget(deviceId);
  }

  close(): Promise<void> {
    this.#connections.close();
    this.#rates.clear();
    this.#autoTransport.clear();
    return Promise.resolve();
  }
}

/** A print the device may not have (`/system/routerboard` on x86): a trap means "absent". */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof RouterOsTrapError) return undefined;
    throw err;
  }
}

export function registerRouterOsCollector(
  registry: CollectorRegistry,
  options: RouterOsCollectorOptions = {},
): CollectorRegistry {
  return registry.registerCollector('routeros', (deps) => new RouterOsCollector(deps, options));
}
