import net from 'node:net';
import tls from 'node:tls';
import { CollectError } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { RouterOsErrorCode, classifySocketError } from './errors.js';
import { describeTimeout } from './poll-deadline.js';

/**
 * How an api-ssl connection checks the router's certificate. RouterOS ships self-signed
 * certificates, so accepting one is possible but must be said explicitly.
 */
export type TlsSettings =
  | {
      readonly mode: 'verify';
      /** PEM CA bundle to trust; the system store when absent. */
      readonly ca?: string;
      /** Name to check the certificate against, when the device is addressed by IP. */
      readonly servername?: string;
    }
  | {
      readonly mode: 'fingerprint';
      /** SHA-256 of the certificate, hex, colons optional, any case. */
      readonly fingerprint: string;
    }
  | { readonly mode: 'insecure-self-signed' };

export interface OpenSocketParams {
  readonly host: string;
  readonly port: number;
  /** undefined: plain TCP (api). */
  readonly tls: TlsSettings | undefined;
  /** TCP connect plus TLS handshake. */
  readonly connectTimeoutMs: number;
  /** True when `connectTimeoutMs` is what was left of the poll (said in the error). */
  readonly cappedByPoll?: boolean | undefined;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

function tlsConnectOptions(p: OpenSocketParams, t: TlsSettings): tls.ConnectionOptions {
  const base: tls.ConnectionOptions = { host: p.host, port: p.port };
  if (net.isIP(p.host) === 0) base.servername = p.host;
  if (t.mode === 'verify') {
    return {
      ...base,
      rejectUnauthorized: true,
      ...(t.ca !== undefined ? { ca: t.ca } : {}),
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
    };
  }
  // Fingerprint: the chain is not trusted, the exact certificate is; checked on secureConnect.
  return { ...base, rejectUnauthorized: false };
}

/**
 * A connected socket (TCP, or TLS with the handshake done and the certificate checked), or a
 * classified error. The connect timeout covers the TLS handshake; which of the two ran out is
 * told apart (`ROS_CONNECT_TIMEOUT`, `ROS_TLS_HANDSHAKE_TIMEOUT`). Never leaves a socket
 * open on failure.
 */
export function openSocket(p: OpenSocketParams): Promise<net.Socket> {
  const endpoint = `${p.host}:${p.port}`;
  return new Promise<net.Socket>((resolve, reject) => {
    if (p.signal?.aborted) {
      reject(abortError(p.signal, endpoint));
      return;
    }
    const t = p.tls;
    const socket = t
      ? tls.connect(tlsConnectOptions(p, t))
      : net.connect({ host: p.host, port: p.port });
    let settled = false;
    let tcpConnected = false;
    const finish = (err: CollectError | undefined) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      p.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      if (err) {
        socket.on('error', () => {}); // late errors of a socket we are discarding
        socket.destroy();
        reject(err);
      } else {
        resolve(socket);
      }
    };
    const onError = (err: Error) => finish(classifySocketError(err, endpoint));
    const onAbort = () => finish(abortError(p.signal, endpoint));
    const within = describeTimeout({
      ms: p.connectTimeoutMs,
      cappedByPoll: p.cappedByPoll ?? false,
    });
    const timer = p.clock.setTimeout(() => {
      finish(
        t && tcpConnected
          ? CollectError.transient(
              RouterOsErrorCode.tlsHandshakeTimeout,
              `${endpoint}: TCP connected, but the TLS handshake did not complete within ${within} (if this is a plain API port, options.transport must be "api")`,
            )
          : CollectError.transient(
              RouterOsErrorCode.connectTimeout,
              `${endpoint}: no TCP connection within ${within}`,
            ),
      );
    }, p.connectTimeoutMs);
    socket.once('error', onError);
    p.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      tcpConnected = true;
      if (!t) finish(undefined);
    });
    if (!t) return;
    socket.once('secureConnect', () => {
      if (t.mode !== 'fingerprint') {
        finish(undefined);
        return;
      }
      const cert = (socket as tls.TLSSocket).getPeerCertificate();
      const got = normaliseFingerprint(cert.fingerprint256 ?? '');
      if (got !== '' && got === normaliseFingerprint(t.fingerprint)) {
        finish(undefined);
        return;
      }
      finish(
        CollectError.permanent(
          RouterOsErrorCode.tlsFingerprint,
          `${endpoint}: TLS certificate fingerprint ${cert.fingerprint256 ?? '(none)'} does not match the pinned one`,
        ),
      );
    });
  });
}

export function abortError(signal: AbortSignal | undefined, what: string): CollectError {
  const reason: unknown = signal?.reason;
  if (reason instanceof CollectError) return reason;
  return CollectError.transient(RouterOsErrorCode.aborted, `${what}: poll aborted`, reason);
}
