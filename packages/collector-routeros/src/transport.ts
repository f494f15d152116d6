import net from 'node:net';
import tls from 'node:tls';
import { CollectError } from '@pollfleet/core';
import type { Clock } from '@pollfleet/core';
import { RouterOsErrorCode, classifySocketError } from './errors.js';
import { encodeSentence } from './codec.js';
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
 * OpenSSL's errors for a first record that is not TLS at all: the peer answered the
 * ClientHello with something else (a plain API port answers with RouterOS words).
 */
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_HTTP_REQUEST',
]);

/** The port answers, but not with TLS: `options.transport` says TLS where the port is plain. */
export function notTlsError(endpoint: string, cause: unknown): CollectError {
  return CollectError.permanent(
    RouterOsErrorCode.transportMismatch,
    `${endpoint}: the router does not answer with TLS on this port (a plain API port?); options.transport says TLS: set it to "api", or use the port the TLS service (api-ssl 8729, www-ssl 443) listens on`,
    cause,
  );
}

/**
 * A connected socket (TCP, or TLS with the handshake done and the certificate checked), or a
 * classified error. The connect timeout covers the TLS handshake; which of the two ran out is
 * told apart (`ROS_CONNECT_TIMEOUT`, `ROS_TLS_HANDSHAKE_TIMEOUT`). A TLS peer that answers
 * with something that is not TLS is `ROS_TRANSPORT_MISMATCH`. Never leaves a socket open on
 * failure.
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
    const startedAt = p.clock.now();
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
    const onError = (err: Error) => {
      const code = (err as { code?: unknown }).code;
      if (t && typeof code === 'string' && NOT_TLS_CODES.has(code)) {
        finish(notTlsError(endpoint, err));
        return;
      }
      const e = classifySocketError(err, endpoint);
      if (!t || !tcpConnected || e.code !== RouterOsErrorCode.connectionReset) {
        finish(e);
        return;
      }
      // Closed during the handshake without a byte: a TLS service would have answered the
      // ClientHello, a plain API port may just drop it. One plain-API exchange tells which.
      socket.on('error', () => {});
      speaksPlainApi({
        host: p.host,
        port: p.port,
        timeoutMs: Math.max(1, startedAt + p.connectTimeoutMs - p.clock.now() - 1),
        clock: p.clock,
        signal: p.signal,
      }).then(
        (plain) => finish(plain ? notTlsError(endpoint, err) : e),
        () => finish(e),
      );
    };
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

/**
 * Whether `host:port` completes a TLS handshake (any certificate; nothing is sent after it and
 * the socket is closed at once). False on any error, on abort and after `timeoutMs`.
 */
export function speaksTls(p: {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
}): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (p.signal?.aborted) {
      resolve(false);
      return;
    }
    const socket = tls.connect({
      host: p.host,
      port: p.port,
      rejectUnauthorized: false,
      ...(net.isIP(p.host) === 0 ? { servername: p.host } : {}),
    });
    let settled = false;
    const done = (answer: boolean) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      p.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('secureConnect');
      socket.on('error', () => {});
      socket.destroy();
      resolve(answer);
    };
    const onAbort = () => done(false);
    const timer = p.clock.setTimeout(() => done(false), p.timeoutMs);
    p.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether `host:port` answers like a RouterOS API: one command sent without a login
 * (`/system/identity/print`, which the router refuses before a login) and a reply that starts
 * with a reply word (`!...`). No credentials are sent. False on anything else, on abort and
 * after `timeoutMs`.
 */
export function speaksPlainApi(p: {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
}): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    if (p.signal?.aborted) {
      resolve(false);
      return;
    }
    const socket = net.connect({ host: p.host, port: p.port });
    let settled = false;
    const done = (answer: boolean) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      p.signal?.removeEventListener('abort', onAbort);
      socket.on('error', () => {});
      socket.destroy();
      resolve(answer);
    };
    const onAbort = () => done(false);
    const timer = p.clock.setTimeout(() => done(false), p.timeoutMs);
    p.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => socket.write(encodeSentence(['/system/identity/print'])));
    socket.once('data', (chunk: Buffer) => {
      const len = chunk[0] ?? 0;
      done(len >= 3 && len <= 6 && chunk[1] === 0x21); // "!re", "!done", "!trap", "!fatal"...
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
