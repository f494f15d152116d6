import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { CollectError, DeviceConfigError, InFlightPolls } from '@pollfleet/core';
import type {
  Clock,
  CollectContext,
  CollectResult,
  Collector,
  CollectorDeps,
  CollectorRegistry,
  DeviceSpec,
} from '@pollfleet/core';
import { DeviceSession, readSecrets, sessionFingerprint } from './device-session.js';
import { PrivacyKeyCheck } from './privacy-key-check.js';
import type { DeviceSecrets } from './device-session.js';
import { EngineRegistry } from './engine-registry.js';
import {
  classifySnmpError,
  isAuthOrPrivacyFailure,
  needsRediscovery,
  SnmpErrorCode,
} from './errors.js';
import { parseSnmpOptions, resolveSnmpCollectorOptions } from './options.js';
import type { ResolvedSnmpCollectorOptions, SnmpCollectorOptions, SnmpOptions } from './options.js';
import {
  getScalars,
  leadable,
  PollRun,
  scalarsFromNext,
  sessionRequester,
  walkTables,
} from './poll-run.js';
import type { Row, TablesOutcome } from './poll-run.js';
import { decodeValue } from './decode.js';
import type { SnmpValue, SnmpVarbind as Varbind } from './decode.js';
import { DEFAULT_SNMP_PROFILE, INTERFACE_COUNTER_FALLBACKS, SYS_UPTIME_OID } from './profile.js';
import type { SnmpProfile } from './profile.js';
import { SnmpProfileCache } from './profile-cache.js';
import { RateTracker } from './rates.js';
import type { Rates } from './rates.js';
import { installFastOidDecoder } from './fast-oid.js';
import { UdpSocketPool } from './socket-pool.js';
import { BudgetSpentError } from './walker.js';

/** What one poll publishes. */
export interface SnmpPollData {
  readonly profile: string;
  readonly scalars: Record<string, SnmpValue>;
  /** table → row index (OID suffix) → column → value. Tables the agent does not have are absent. */
  readonly tables: Record<string, Record<string, Row>>;
  /** Per second, from the previous poll of the device; absent on the first poll and after a restart. */
  readonly rates?: Rates;
  /** v3: the agent's engine, and another device answering with the same engine id. */
  readonly engine?: { engineId: string; boots: number; time: number; duplicateOf?: string };
  readonly warnings?: string[];
}

const DNS_TTL_MS = 300_000;
/** A row check reads a named profile again when its cached copy is older (created, deleted). */
const VALIDATE_PROFILE_MAX_AGE_MS = 1_000;

const aborted = (): CollectError => CollectError.transient(SnmpErrorCode.Aborted, 'poll aborted');

/**
 * Polls devices over SNMP v1 and v2c (our own codec, `CommunitySession`) and v3 (net-snmp), on a
 * few shared UDP sockets. One instance serves every SNMP device of the pod.
 */
export class SnmpCollector implements Collector<SnmpOptions> {
  readonly type = 'snmp';
  readonly defaultPort = 161;
  readonly #o: ResolvedSnmpCollectorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #pool: UdpSocketPool;
  readonly #engines: EngineRegistry;
  readonly #rates: RateTracker;
  readonly #sessions = new Map<string, DeviceSession>();
  readonly #profiles: SnmpProfileCache;
  #closed = false;
  readonly #privacy: PrivacyKeyCheck;
  /** Polls in flight, so a forget() during one is not undone by what it stores afterwards. */
  readonly #polling = new InFlightPolls();
  /** Runs in flight, stopped by close(). */
  readonly #runs = new Set<PollRun>();

  constructor(deps: CollectorDeps, options?: SnmpCollectorOptions) {
    this.#o = resolveSnmpCollectorOptions(options);
    this.#logger = deps.logger;
    const fast = installFastOidDecoder();
    if (!fast.installed) {
      this.#logger.info(
        { reason: fast.reason },
        'snmp v3: fast OID codec not installed; using asn1-ber as is',
      );
    }
    this.#clock = deps.clock;
    this.#pool = new UdpSocketPool(deps.logger, this.#o);
    this.#privacy = new PrivacyKeyCheck(this.#pool, this.#clock, this.#o.maxDevices);
    this.#engines = new EngineRegistry(deps.sharedState, deps.clock, this.#o.engineTtlMs);
    this.#rates = new RateTracker(this.#o.maxDevices);
    this.#profiles = new SnmpProfileCache(
      this.#o.profileSource,
      deps.clock,
      this.#o.profileCacheMs,
    );
  }

  parseOptions(raw: unknown, deviceId: string): SnmpOptions {
    return parseSnmpOptions(raw, deviceId);
  }

  /**
   * Checks, when the row is read, that a named profile exists and is valid: a row naming a
   * missing one is reported as invalid (`options.profile`) instead of failing at its first poll.
   * A profile source that cannot be read leaves the row to the poll-time check.
   */
  async validate(device: DeviceSpec<SnmpOptions>): Promise<void> {
    try {
      await this.#profiles.resolve(device.options.profile, VALIDATE_PROFILE_MAX_AGE_MS);
    } catch (err) {
      if (err instanceof CollectError && err.code === SnmpErrorCode.UnknownProfile) {
        throw new DeviceConfigError(device.id, 'options.profile', err.message);
      }
      throw err;
    }
  }

  /** UDP sockets open right now (bounded by `socketCount`). */
  get openSockets(): number {
    return this.#pool.socketCount;
  }

  async collect(
    device: DeviceSpec<SnmpOptions>,
    ctx: CollectContext,
  ): Promise<CollectResult<SnmpPollData>> {
    if (this.#closed) throw CollectError.transient(SnmpErrorCode.Aborted, 'collector closed');
    const o = device.options;
    if (ctx.signal.aborted) throw aborted();
    const secrets = readSecrets(o, ctx.credentials);
    const mark = this.#polling.begin(device.id);
    try {
      const [profileName, profile] = await this.#profiles.resolve(o.profile);
      try {
        return await this.#poll(device, ctx, profileName, profile, secrets, true);
      } catch (err) {
        const engine = needsRediscovery(err);
        if ((!engine && !isAuthOrPrivacyFailure(err)) || ctx.signal.aborted) {
          throw this.#failed(err, device, ctx);
        }
        // The agent restarted or its engine changed under us, or one exchange failed
        // authentication or decryption (a damaged datagram looks like a wrong key once): discover
        // the engine afresh and poll again, once. Only a second failure is reported as such.
        ctx.logger.info(
          { code: classifySnmpError(err, o.version).code },
          engine
            ? 'snmp v3 engine out of sync, rediscovering'
            : 'snmp v3 exchange failed authentication or decryption once, rediscovering and retrying',
        );
        this.#drop(device.id);
        try {
          return await this.#poll(device, ctx, profileName, profile, secrets, false);
        } catch (err2) {
          throw this.#failed(err2, device, ctx);
        }
      }
    } finally {
      // forget() ran while this poll was in flight: drop what the poll stored afterwards.
      if (this.#polling.end(device.id, mark)) this.#forgetNow(device.id);
    }
  }

  #failed(err: unknown, device: DeviceSpec<SnmpOptions>, ctx: CollectContext): CollectError {
    const e = classifySnmpError(err, device.options.version);
    // ctx.logger already carries deviceId (the engine's per-device child logger).
    ctx.logger.debug({ code: e.code, kind: e.kind, err: e }, 'snmp poll failed');
    return e;
  }

  async #session(
    device: DeviceSpec<SnmpOptions>,
    secrets: DeviceSecrets,
    seed: boolean,
  ): Promise<DeviceSession> {
    const o = device.options;
    const existing = this.#sessions.get(device.id);
    const now = this.#clock.now();
    let address = device.host;
    if (isIP(address) === 0) {
      // Names are resolved once per DNS_TTL_MS per device, not on every poll, to the first
      // address the resolver returns (A or AAAA; getaddrinfo's order, see the README).
      if (existing?.host === device.host && now - existing.resolvedAt < DNS_TTL_MS) {
        address = existing.address;
      } else {
        try {
          address = (await lookup(device.host)).address;
          if (existing) existing.resolvedAt = now;
        } catch {
          throw CollectError.transient(
            SnmpErrorCode.Unreachable,
            `cannot resolve host "${device.host}"`,
          );
        }
      }
    }
    const fp = sessionFingerprint(address, device.port, o);
    if (existing?.matches(fp, secrets)) {
      this.#sessions.delete(device.id); // LRU: most recently polled last
      this.#sessions.set(device.id, existing);
      return existing;
    }
    existing?.close();
    this.#sessions.delete(device.id);
    const ds = new DeviceSession(this.#pool, address, device.port, o, secrets, fp);
    ds.host = device.host;
    ds.resolvedAt = now;
    if (o.version === '3' && seed) {
      try {
        const rec = await this.#engines.load(device.id);
        if (rec && rec.endpoint === ds.endpoint) ds.seed(rec, this.#clock.now());
      } catch (err) {
        this.#logger.warn(
          { err, deviceId: device.id },
          'snmp engine record unreadable; discovering',
        );
      }
    }
    this.#sessions.set(device.id, ds);
    if (this.#sessions.size > this.#o.maxDevices) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#drop(oldest);
    }
    return ds;
  }

  async #poll(
    device: DeviceSpec<SnmpOptions>,
    ctx: CollectContext,
    profileName: string,
    profile: SnmpProfile,
    secrets: DeviceSecrets,
    seed: boolean,
  ): Promise<CollectResult<SnmpPollData>> {
    const o = device.options;
    const ds = await this.#session(device, secrets, seed);
    const run = new PollRun(ds.session);
    this.#runs.add(run);
    if (this.#closed) run.stop(aborted()); // close() came while this poll was being set up
    ds.onFailure = (err) => run.stop(err);
    const onAbort = (): void => run.stop(aborted());
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // An abort during the awaits above (profile, DNS, engine record) fired before the listener.
    if (ctx.signal.aborted) onAbort();
    const budgetMs = o.timeBudgetMs ?? Math.max(1, Math.floor(device.timeoutMs * 0.8));
    const timer = this.#clock.setTimeout(() => run.stop(new BudgetSpentError()), budgetMs);
    try {
      const req = sessionRequester(ds.session, o.version, run.guard);
      const oids = profile.scalars.map((s) => s.oid);
      if (!oids.includes(SYS_UPTIME_OID)) oids.push(SYS_UPTIME_OID);
      // Set by the first reply (from a callback: a holder, not a narrowed local).
      const first: { scalars?: Map<string, Varbind> } = {};
      const onScalars = (m: Map<string, Varbind>): void => {
        first.scalars = m;
        this.#privacy.cleared(device.id);
      };
      let t: TablesOutcome;
      if (leadable(o.version, oids, profile)) {
        // The scalars ride on the first GETBULK as non-repeaters: one request fewer per poll.
        try {
          t = await walkTables(req, run, profile, o, ds.rowHints, {
            oids: oids.map((x) => x.slice(0, -2)),
            onReply: (vbs) => onScalars(scalarsFromNext(oids, vbs)),
          });
        } catch (err) {
          if (!first.scalars) throw await this.#firstRequestFailed(err, ds, device, ctx.signal);
          throw err;
        }
      } else {
        try {
          onScalars(await getScalars(req, oids));
        } catch (err) {
          throw await this.#firstRequestFailed(err, ds, device, ctx.signal);
        }
        t = await walkTables(req, run, profile, o, ds.rowHints);
      }
      const got = first.scalars;
      // The budget ran out before the first reply (the walk returned partial): nothing gathered.
      if (!got)
        throw await this.#firstRequestFailed(new BudgetSpentError(), ds, device, ctx.signal);
      const scalars: Record<string, SnmpValue> = {};
      for (const s of profile.scalars) {
        const vb = got.get(s.oid);
        const v = vb && decodeValue(vb, s.type);
        if (v !== undefined) scalars[s.name] = v;
      }
      const up = got.get(SYS_UPTIME_OID)?.value;
      const uptime = typeof up === 'number' ? up : undefined;
      if (profile === DEFAULT_SNMP_PROFILE) addInterfaceCounters(t.tables.interfaces);
      const rates = t.partial
        ? undefined
        : this.#rates.update(device.id, uptime, this.#clock.now(), t.counters);
      const engine =
        o.version === '3' ? await this.#saveEngine(device.id, ds, ctx.logger) : undefined;
      const data: SnmpPollData = {
        profile: profileName,
        scalars,
        tables: t.tables,
        // No counters (or none with a previous value): no rates key, not an empty object.
        ...(rates && Object.keys(rates).length > 0 ? { rates } : {}),
        ...(engine ? { engine } : {}),
        ...(t.warnings.length > 0 ? { warnings: t.warnings } : {}),
      };
      return t.partial ? { data, partial: true } : { data };
    } finally {
      timer.cancel();
      this.#runs.delete(run);
      ctx.signal.removeEventListener('abort', onAbort);
      ds.onFailure = undefined;
    }
  }

  /** Classifies a failure of the poll's first request (nothing gathered yet). */
  async #firstRequestFailed(
    err: unknown,
    ds: DeviceSession,
    device: DeviceSpec<SnmpOptions>,
    signal: AbortSignal,
  ): Promise<unknown> {
    const o = device.options;
    if (err instanceof BudgetSpentError) {
      // v1/v2c agents drop requests with a wrong community silently: say so.
      return CollectError.transient(
        SnmpErrorCode.Timeout,
        o.version === '3'
          ? 'no reply within the poll time budget; agent unreachable or overloaded'
          : 'no reply within the poll time budget; wrong community or unreachable',
      );
    }
    const c = classifySnmpError(err, o.version);
    if (c.code !== SnmpErrorCode.Timeout || o.security?.level !== 'authPriv' || this.#closed)
      return err;
    return (await this.#privacy.check(ds, device, signal)) ?? err;
  }

  async #saveEngine(
    deviceId: string,
    ds: DeviceSession,
    logger: Logger,
  ): Promise<SnmpPollData['engine']> {
    const e = ds.engine();
    if (!e) return undefined;
    const now = this.#clock.now();
    const s = ds.saved;
    if (
      !s ||
      s.engineId !== e.engineId ||
      s.boots !== e.boots ||
      now - s.at >= this.#o.engineRefreshMs
    ) {
      try {
        const dup = await this.#engines.save(deviceId, { ...e, at: now, endpoint: ds.endpoint });
        ds.saved = { engineId: e.engineId, boots: e.boots, at: now };
        ds.duplicateOf = dup;
        if (dup) {
          // `logger` is the poll's (it carries deviceId already).
          logger.warn(
            { otherDeviceId: dup, engineId: e.engineId },
            'two devices answer with the same SNMP engine id (cloned configuration?)',
          );
        }
      } catch (err) {
        logger.warn({ err }, 'could not store the snmp engine record');
      }
    }
    return ds.duplicateOf ? { ...e, duplicateOf: ds.duplicateOf } : e;
  }

  #drop(deviceId: string): void {
    const ds = this.#sessions.get(deviceId);
    this.#sessions.delete(deviceId);
    ds?.close();
  }

  forget(deviceId: string): void {
    this.#polling.forgotten(deviceId);
    this.#forgetNow(deviceId);
  }

  #forgetNow(deviceId: string): void {
    this.#drop(deviceId);
    this.#rates.forget(deviceId);
    this.#privacy.cleared(deviceId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const run of this.#runs) run.stop(aborted());
    for (const id of [...this.#sessions.keys()]) this.#drop(id);
    await this.#pool.close();
  }
}

/** HC counter where the agent has it, the 32-bit one otherwise, under a short name. */
function addInterfaceCounters(rows: Record<string, Row> | undefined): void {
  if (!rows) return;
  for (const row of Object.values(rows)) {
    for (const [short, hc, low] of INTERFACE_COUNTER_FALLBACKS) {
      const v = row[hc] ?? row[low];
      if (v !== undefined) row[short] = v;
    }
  }
}

/** Registers the SNMP collector under type `snmp`. */
export function registerSnmpCollector(
  registry: CollectorRegistry,
  options?: SnmpCollectorOptions,
): CollectorRegistry {
  return registry.registerCollector('snmp', (deps) => new SnmpCollector(deps, options));
}
