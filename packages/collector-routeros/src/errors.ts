import { CollectError, PollfleetError } from '@pollfleet/core';

/**
 * Stable codes of every failure this package reports. The class (transient / permanent) is
 * what the circuit breaker acts on; see the README for the table.
 */
export const RouterOsErrorCode = {
  /** TCP connection refused (nothing listening, API service disabled). Transient. */
  connectRefused: 'ROS_CONNECT_REFUSED',
  /** No TCP connection within the connect timeout (or the poll's remaining time). Transient. */
  connectTimeout: 'ROS_CONNECT_TIMEOUT',
  /** TCP connected, but the TLS handshake did not complete in time. Transient. */
  tlsHandshakeTimeout: 'ROS_TLS_HANDSHAKE_TIMEOUT',
  /** Connected, but the router did not answer the login in time. Transient. */
  loginTimeout: 'ROS_LOGIN_TIMEOUT',
  /**
   * The port speaks TLS to a plain API client, or not TLS to a TLS one: `options.transport`
   * does not match the port. Permanent.
   */
  transportMismatch: 'ROS_TRANSPORT_MISMATCH',
  /** The peer reset or closed the connection, possibly mid-reply. Transient. */
  connectionReset: 'ROS_CONNECTION_RESET',
  /** Any other socket error (host unreachable...). Transient. */
  network: 'ROS_NETWORK',
  /** A command got no complete reply within the command timeout (or the poll's remaining time). Transient. */
  commandTimeout: 'ROS_COMMAND_TIMEOUT',
  /** The router sent bytes that are not a valid API reply. Transient; the connection is dropped. */
  protocol: 'ROS_PROTOCOL',
  /** The router ended the session with `!fatal`. Transient. */
  fatal: 'ROS_FATAL',
  /** A command was answered with `!trap`. Transient unless it is the login. */
  trap: 'ROS_TRAP',
  /** The poll was aborted (poll timeout or poller stopping). Transient. */
  aborted: 'ROS_ABORTED',
  /** Login rejected: wrong user name or password. Permanent. */
  authFailed: 'ROS_AUTH_FAILED',
  /** Login rejected because the user's group lacks the `api` policy. Permanent. */
  permissionDenied: 'ROS_PERMISSION_DENIED',
  /** The router's certificate failed CA verification or hostname check. Permanent. */
  tlsVerify: 'ROS_TLS_VERIFY',
  /** The router's certificate does not match the pinned fingerprint. Permanent. */
  tlsFingerprint: 'ROS_TLS_FINGERPRINT',
  /** RouterOS older than 6.43 (challenge login). Permanent. */
  unsupportedVersion: 'ROS_UNSUPPORTED_VERSION',
  /** No user name or password in the device's credentials/options. Permanent. */
  credentialsMissing: 'ROS_CREDENTIALS_MISSING',
  /** The collector or connection was closed while the command was running. Transient. */
  closed: 'ROS_CLOSED',
} as const;

export type RouterOsErrorCode = (typeof RouterOsErrorCode)[keyof typeof RouterOsErrorCode];

/** A byte stream that violates the API wire format (or exceeds the decoder's bounds). */
export class RouterOsProtocolError extends PollfleetError {
  constructor(message: string) {
    super(RouterOsErrorCode.protocol, message);
  }
}

/** A `!trap` reply to a command. `category` is RouterOS's numeric category when sent. */
export class RouterOsTrapError extends CollectError {
  readonly category: number | undefined;
  readonly command: string;
  constructor(command: string, message: string, category: number | undefined) {
    const cat = category === undefined ? '' : ` (category ${category})`;
    super('transient', RouterOsErrorCode.trap, `${command}: router refused: ${message}${cat}`);
    this.category = category;
    this.command = command;
  }
}

/** Certificate errors that OpenSSL/Node report when verification fails: permanent by nature. */
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'PATH_LENGTH_EXCEEDED',
  'CERT_REVOKED',
  'INVALID_CA',
]);

/**
 * Turns a socket-level error into a classified {@link CollectError}. Messages name the
 * endpoint and the cause, never a credential.
 */
export function classifySocketError(err: unknown, endpoint: string): CollectError {
  if (err instanceof CollectError) return err;
  const code =
    typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
      ? err.code
      : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED') {
    return CollectError.transient(
      RouterOsErrorCode.connectRefused,
      `${endpoint}: connection refused (is the API service enabled on this port?)`,
      err,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') {
    return CollectError.transient(
      RouterOsErrorCode.connectionReset,
      `${endpoint}: connection reset by the router`,
      err,
    );
  }
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return CollectError.permanent(
      RouterOsErrorCode.tlsVerify,
      `${endpoint}: TLS certificate verification failed (${code}); give the router's CA, pin its fingerprint, or set tls.mode "insecure-self-signed"`,
      err,
    );
  }
  if (err instanceof RouterOsProtocolError) {
    return CollectError.transient(
      RouterOsErrorCode.protocol,
      `${endpoint}: malformed reply: ${message}`,
      err,
    );
  }
  return CollectError.transient(
    RouterOsErrorCode.network,
    `${endpoint}: ${code ?? 'network error'}: ${message}`,
    err,
  );
}
