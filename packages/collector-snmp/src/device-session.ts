import type { Clock } from '@pollfleet/core';
import { performance } from 'node:perf_hooks';
import snmp from 'net-snmp';
import type { Session, SessionOptions } from 'net-snmp';
import { CollectError } from '@pollfleet/core';
import type { Credentials } from '@pollfleet/core';
import type { EngineRecord } from './engine-registry.js';
import { CommunitySession } from './community-session.js';
import { MalformedReplyError, SnmpErrorCode } from './errors.js';
import type { SnmpOptions } from './options.js';
import type { UdpSocketPool } from './socket-pool.js';
import { endpointKey } from './udp-endpoint.js';

/** Secrets of one device, read from its credentials. Never logged, never in errors. */
export interface DeviceSecrets {
  readonly community: string | undefined;
  readonly authKey: string | undefined;
  readonly privKey: string | undefined;
}

function need(creds: Credentials | undefined, key: string): string {
  const v = creds?.get(key);
  if (v === undefined || v === '') {
    throw CollectError.permanent(
      SnmpErrorCode.MissingCredential,
      `credential "${key}" is missing from the device's credentials`,
    );
  }
  return v;
}

/** The secrets the options call for; a missing one is a permanent failure naming the key. */
export function readSecrets(o: SnmpOptions, creds: Credentials | undefined): DeviceSecrets {
  if (o.version !== '3')
    return { community: need(creds, 'community'), authKey: undefined, privKey: undefined };
  const level = o.security?.level ?? 'noAuthNoPriv';
  return {
    community: undefined,
    authKey: level === 'noAuthNoPriv' ? undefined : need(creds, 'authKey'),
    privKey: level === 'authPriv' ? need(creds, 'privKey') : undefined,
  };
}

const optionKeys = new WeakMap<SnmpOptions, string>();

/** Everything but the secrets that requires a new session when it changes (cached per options object). */
export function sessionFingerprint(address: string, port: number, o: SnmpOptions): string {
  let k = optionKeys.get(o);
  if (k === undefined) {
    k = JSON.stringify([o.version, o.security, o.context, o.requestTimeoutMs, o.retries]);
    optionKeys.set(o, k);
  }
  return `${endpointKey(address, port)} ${k}`;
}

const VERSIONS = { '1': snmp.Version1, '2c': snmp.Version2c, '3': snmp.Version3 } as const;

/** A device's net-snmp session on a shared socket, kept across polls (v3 engine state lives here). */
export class DeviceSession {
  /** v1/v2c: our own {@link CommunitySession}; v3: net-snmp's Session. */
  readonly session: Session | CommunitySession;
  readonly endpoint: string;
  readonly address: string;
  readonly fingerprint: string;
  readonly #secrets: DeviceSecrets;
  /** The device's host as configured, and when it was resolved to `address`. */
  host = '';
  resolvedAt = 0;
  /** Set by the poll in progress: a malformed datagram fails that poll. */
  onFailure: ((err: Error) => void) | undefined;
  /** The engine last written to the shared state. */
  saved: { engineId: string; boots: number; at: number } | undefined;
  duplicateOf: string | undefined;
  /** Rows each column group had at the last complete walk (sizes the first GETBULK). */
  readonly rowHints = new Map<string, number>();

  constructor(
    pool: UdpSocketPool,
    address: string,
    port: number,
    o: SnmpOptions,
    secrets: DeviceSecrets,
    fingerprint: string,
  ) {
    const vsock = pool.attach(address, port);
    this.endpoint = vsock.endpoint;
    this.address = vsock.target.address; // canonical: `::1`, an IPv4-mapped address as IPv4
    this.fingerprint = fingerprint;
    this.#secrets = secrets;
    const options: SessionOptions = {
      port,
      // net-snmp passes it to dgramModule.createSocket; the pool chose the family already.
      transport: vsock.target.transport,
      version: VERSIONS[o.version],
      retries: o.retries,
      timeout: o.requestTimeoutMs,
      context: o.context,
      dgramModule: { createSocket: () => vsock },
    };
    const sec = o.security;
    if (o.version === '3' && sec) {
      const user = {
        name: sec.user,
        level: snmp.SecurityLevel[sec.level]!,
        ...(sec.authProtocol && secrets.authKey !== undefined
          ? { authProtocol: snmp.AuthProtocols[sec.authProtocol]!, authKey: secrets.authKey }
          : {}),
        ...(sec.privProtocol && secrets.privKey !== undefined
          ? { privProtocol: snmp.PrivProtocols[sec.privProtocol]!, privKey: secrets.privKey }
          : {}),
      };
      const v3 = snmp.createV3Session(this.address, user, options);
      if (sec.level === 'noAuthNoPriv') this.#trackUnauthenticatedTime(v3);
      this.session = v3;
    } else {
      this.session = new CommunitySession(vsock, {
        address: this.address,
        port,
        version: o.version === '1' ? '1' : '2c',
        community: secrets.community ?? '',
        timeoutMs: o.requestTimeoutMs,
        retries: o.retries,
      });
    }
    vsock.pending = this.session.reqs;
    const fail = (): void => this.onFailure?.(new MalformedReplyError());
    // net-snmp emits a datagram it cannot decode as 'error' on the session: never unhandled.
    this.session.on('error', fail);
    vsock.on('deliveryError', fail);
  }

  /** noAuthNoPriv: the engine boots and time of the latest reply (net-snmp keeps only discovery's). */
  #unauthenticated: { boots: number; time: number; at: number } | undefined;

  /**
   * net-snmp updates its notion of the agent's time from authenticated replies only (RFC 3414),
   * so a noAuthNoPriv session would report discovery's boots and time forever. Keep the latest
   * reply's instead: published as information, never used for a time window.
   */
  #trackUnauthenticatedTime(s: Session): void {
    const original = s.setEngineTime.bind(s);
    s.setEngineTime = (message) => {
      const p = message.msgSecurityParameters;
      if (p && !message.hasAuthentication() && p.msgAuthoritativeEngineID?.length > 0) {
        this.#unauthenticated = {
          boots: p.msgAuthoritativeEngineBoots,
          time: p.msgAuthoritativeEngineTime,
          at: performance.now(),
        };
      }
      original(message);
    };
  }

  /** Can this session serve a poll with these parameters? */
  matches(fingerprint: string, s: DeviceSecrets): boolean {
    const m = this.#secrets;
    return (
      fingerprint === this.fingerprint &&
      s.community === m.community &&
      s.authKey === m.authKey &&
      s.privKey === m.privKey
    );
  }

  /** Starts from an engine another pod (or an earlier session) discovered: no discovery round trip. */
  seed(rec: EngineRecord, now: number): void {
    const s = this.session;
    if (s instanceof CommunitySession) return;
    s.msgSecurityParameters = {
      msgAuthoritativeEngineID: Buffer.from(rec.engineId, 'hex'),
      msgAuthoritativeEngineBoots: rec.boots,
      msgAuthoritativeEngineTime: rec.time,
    };
    s.engineTimeBoots = rec.boots;
    s.engineTimeBase = rec.time;
    s.latestReceivedEngineTime = rec.time;
    s.engineTimeReceivedAt = performance.now() - Math.max(0, now - rec.at);
  }

  /** The agent's engine as this session knows it now (v3, after a successful exchange). */
  engine(): { engineId: string; boots: number; time: number } | undefined {
    const s = this.session;
    if (s instanceof CommunitySession) return undefined;
    const p = s.msgSecurityParameters;
    if (!p || p.msgAuthoritativeEngineID.length === 0) return undefined;
    // noAuthNoPriv: net-snmp keeps no time notion (replies are not authenticated): the latest
    // reply's, advanced by the time since (as net-snmp does for its own notion).
    const u = this.#unauthenticated;
    const t =
      s.getEngineTime() ??
      (u
        ? {
            engineBoots: u.boots,
            engineTime: u.time + Math.floor((performance.now() - u.at) / 1000),
          }
        : {
            engineBoots: p.msgAuthoritativeEngineBoots,
            engineTime: p.msgAuthoritativeEngineTime,
          });
    return {
      engineId: p.msgAuthoritativeEngineID.toString('hex'),
      boots: t.engineBoots,
      time: t.engineTime,
    };
  }

  close(): void {
    this.onFailure = undefined;
    try {
      this.session.close(); // closes the virtual socket: cancels what is in flight
    } catch {
      // already closed
    }
  }
}

/** The engine an agent reports in its reply to discovery. */
export interface ProbedEngine {
  readonly engineId: string;
  readonly boots: number;
  readonly time: number;
}

/**
 * Does the agent answer at all? A v3 noAuthNoPriv request for the same user: any reply (even a
 * report refusing the security level) proves the agent is up and reachable. Used when authPriv
 * requests time out, since an agent given a wrong privacy key drops the request silently.
 * Resolves to the engine the agent reported (undefined: no answer).
 */
export async function agentAnswers(
  pool: UdpSocketPool,
  address: string,
  port: number,
  o: SnmpOptions,
  clock: Clock,
  signal: AbortSignal,
): Promise<ProbedEngine | undefined> {
  const vsock = pool.attach(address, port);
  const session = snmp.createV3Session(
    vsock.target.address,
    { name: o.security?.user ?? '', level: snmp.SecurityLevel.noAuthNoPriv! },
    {
      port,
      transport: vsock.target.transport,
      retries: 0,
      timeout: o.requestTimeoutMs,
      dgramModule: { createSocket: () => vsock },
    },
  );
  vsock.pending = session.reqs;
  session.on('error', () => undefined);
  // Settles on the reply, on its own timer, or on abort: net-snmp can drop a request without
  // calling back (a reply it fails to parse), which must not leave the poll hanging.
  let timer: { cancel(): void } | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const answered = await new Promise<boolean>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), o.requestTimeoutMs + 100);
      onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) resolve(false);
      vsock.on('deliveryError', () => resolve(false));
      session.get(['1.3.6.1.2.1.1.3.0'], (err) => {
        resolve(
          !(err instanceof snmp.RequestTimedOutError) &&
            !(err && 'code' in err && err.code === 'ECLOSED'),
        );
      });
    });
    const p = session.msgSecurityParameters;
    if (!answered) return undefined;
    return {
      engineId: p?.msgAuthoritativeEngineID.toString('hex') ?? '',
      boots: p?.msgAuthoritativeEngineBoots ?? 0,
      time: p?.msgAuthoritativeEngineTime ?? 0,
    };
  } finally {
    timer?.cancel();
    if (onAbort) signal.removeEventListener('abort', onAbort);
    session.close();
  }
}
