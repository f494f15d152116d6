import snmp from 'net-snmp';
import { CollectError, PollfleetError } from '@pollfleet/core';

/**
 * Stable codes of the SNMP collector's failures. Transient ones are retried with backoff by the
 * breaker; permanent ones park the device until someone fixes its configuration.
 */
export const SnmpErrorCode = {
  /** transient: no reply within timeout × retries (v1/v2c: also a wrong community). */
  Timeout: 'SNMP_TIMEOUT',
  /** transient: the host cannot be reached or resolved (send failed). */
  Unreachable: 'SNMP_UNREACHABLE',
  /** transient: the reply could not be parsed or did not match the request. */
  MalformedReply: 'SNMP_MALFORMED_REPLY',
  /** transient: the agent answered with an error-status (genErr, tooBig...). */
  AgentError: 'SNMP_AGENT_ERROR',
  /** transient: v3 time window / engine id could not be synchronised after a rediscovery. */
  EngineSync: 'SNMP_ENGINE_SYNC_FAILED',
  /** transient: the poll was aborted (device timeout or poller stopping). */
  Aborted: 'SNMP_ABORTED',
  /** transient: the profile source failed (database unreachable...). */
  ProfileUnavailable: 'SNMP_PROFILE_UNAVAILABLE',
  /** permanent: v3 user unknown to the agent (usmStatsUnknownUserNames). */
  UnknownUser: 'SNMP_UNKNOWN_USER',
  /** permanent: v3 authentication failed (usmStatsWrongDigests or a reply with a bad digest). */
  AuthFailed: 'SNMP_AUTH_FAILED',
  /** permanent: v3 privacy failed (usmStatsDecryptionErrors, an undecryptable reply, or an agent that answers discovery but never an encrypted request). */
  DecryptionFailed: 'SNMP_DECRYPTION_FAILED',
  /** permanent: the agent does not accept this security level for the user. */
  UnsupportedSecurityLevel: 'SNMP_UNSUPPORTED_SECURITY_LEVEL',
  /** permanent: the agent refuses access to the requested objects (authorizationError, noAccess). */
  AccessDenied: 'SNMP_ACCESS_DENIED',
  /** permanent: a secret the device needs is missing from its credentials. */
  MissingCredential: 'SNMP_MISSING_CREDENTIAL',
  /** permanent: the device references a profile that does not exist or is invalid. */
  UnknownProfile: 'SNMP_UNKNOWN_PROFILE',
} as const;
export type SnmpErrorCode = (typeof SnmpErrorCode)[keyof typeof SnmpErrorCode];

/** A profile definition that cannot be used. */
export class SnmpProfileError extends PollfleetError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('SNMP_PROFILE_INVALID', `${field}: ${message}`);
    this.field = field;
  }
}

/** Raised by the socket layer when a datagram could not be decoded; fails the poll in flight. */
export class MalformedReplyError extends Error {
  constructor() {
    super('malformed SNMP message');
    this.name = 'MalformedReplyError';
  }
}

const USM_STATS: Record<string, [SnmpErrorCode, 'transient' | 'permanent', string]> = {
  'Unsupported Security Level': [
    SnmpErrorCode.UnsupportedSecurityLevel,
    'permanent',
    'agent does not support this security level for the user (usmStatsUnsupportedSecLevels)',
  ],
  'Not In Time Window': [
    SnmpErrorCode.EngineSync,
    'transient',
    'agent reports the request outside its time window (usmStatsNotInTimeWindows)',
  ],
  'Unknown User Name': [
    SnmpErrorCode.UnknownUser,
    'permanent',
    'agent does not know this v3 user (usmStatsUnknownUserNames)',
  ],
  'Unknown Engine ID': [
    SnmpErrorCode.EngineSync,
    'transient',
    'agent reports an unknown engine id (usmStatsUnknownEngineIDs)',
  ],
  'Wrong Digest (incorrect password, community or key)': [
    SnmpErrorCode.AuthFailed,
    'permanent',
    'authentication failed: wrong v3 auth key or protocol (usmStatsWrongDigests)',
  ],
  'Decryption Error': [
    SnmpErrorCode.DecryptionFailed,
    'permanent',
    'agent could not decrypt the request: wrong v3 privacy key or protocol (usmStatsDecryptionErrors)',
  ],
};

/** True when net-snmp reports a v3 engine problem that a fresh discovery may fix. */
export function needsRediscovery(err: unknown): boolean {
  if (!(err instanceof snmp.ResponseInvalidError)) return false;
  if (err.code === snmp.ResponseInvalidCode.ENotInTimeWindow) return true;
  return (
    err.code === snmp.ResponseInvalidCode.EAuthFailure &&
    (err.message === 'Not In Time Window' || err.message === 'Unknown Engine ID')
  );
}

/**
 * True when a v3 exchange failed authentication or decryption: a reply whose digest does not
 * match or that does not decrypt, or the agent's wrongDigests/decryptionErrors report. A wrong
 * key does this every time; one datagram damaged in transit does it once (net-snmp decrypts
 * before it authenticates, so a flipped byte can look like either). Retried once on a freshly
 * discovered session before it counts as permanent.
 */
export function isAuthOrPrivacyFailure(err: unknown): boolean {
  if (!(err instanceof snmp.ResponseInvalidError)) return false;
  const C = snmp.ResponseInvalidCode;
  if (err.code === C.ECouldNotDecrypt) return true;
  if (err.code !== C.EAuthFailure) return false;
  const usm = USM_STATS[err.message];
  return !usm || usm[0] === SnmpErrorCode.AuthFailed || usm[0] === SnmpErrorCode.DecryptionFailed;
}

/**
 * Maps whatever net-snmp or the socket reported to a {@link CollectError}. net-snmp's own
 * messages are never passed through (some quote the community or carry the v3 user with its
 * keys), and the original error is not attached as `cause` for the same reason.
 */
export function classifySnmpError(err: unknown, version: '1' | '2c' | '3'): CollectError {
  if (err instanceof CollectError) return err;
  if (err instanceof snmp.RequestTimedOutError) {
    return CollectError.transient(
      SnmpErrorCode.Timeout,
      version === '3'
        ? 'no response from agent (unreachable or not listening)'
        : 'no response; wrong community or unreachable',
    );
  }
  if (err instanceof MalformedReplyError) {
    return CollectError.transient(SnmpErrorCode.MalformedReply, 'malformed reply from agent');
  }
  if (err instanceof snmp.ResponseInvalidError) {
    const C = snmp.ResponseInvalidCode;
    if (err.code === C.EAuthFailure) {
      const usm = USM_STATS[err.message];
      if (usm) return new CollectError(usm[1], usm[0], usm[2]);
      return CollectError.permanent(
        SnmpErrorCode.AuthFailed,
        'authentication failed: reply digest does not match (wrong v3 auth key or protocol)',
      );
    }
    if (err.code === C.ECouldNotDecrypt) {
      return CollectError.permanent(
        SnmpErrorCode.DecryptionFailed,
        'could not decrypt the reply: wrong v3 privacy key or protocol',
      );
    }
    if (err.code === C.ENotInTimeWindow) {
      return CollectError.transient(SnmpErrorCode.EngineSync, 'reply outside the v3 time window');
    }
    const name = (Object.entries(C).find(([, v]) => v === err.code)?.[0] ?? 'unknown').toString();
    return CollectError.transient(
      SnmpErrorCode.MalformedReply,
      `invalid reply from agent (${name})`,
    );
  }
  if (err instanceof snmp.RequestFailedError) {
    const status = Object.entries(snmp.ErrorStatus).find(([, v]) => v === err.status)?.[0];
    if (status === 'AuthorizationError' || status === 'NoAccess') {
      return CollectError.permanent(SnmpErrorCode.AccessDenied, `agent denied access (${status})`);
    }
    return CollectError.transient(
      SnmpErrorCode.AgentError,
      `agent returned error-status ${status ?? 'unknown'}`,
    );
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|ENOTFOUND|EAI_AGAIN)$/.test(code)) {
    return CollectError.transient(SnmpErrorCode.Unreachable, `cannot send to agent (${code})`);
  }
  return CollectError.transient(
    SnmpErrorCode.MalformedReply,
    `unexpected SNMP failure (${err instanceof Error ? err.name : typeof err})`,
  );
}
