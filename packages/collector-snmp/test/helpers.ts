import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { Credentials, systemClock } from '@pollfleet/core';
import type { CollectContext, DeviceSpec, SharedStateStore } from '@pollfleet/core';
import { SnmpCollector } from '@pollfleet/collector-snmp';
import type { SnmpCollectorOptions, SnmpOptions } from '@pollfleet/collector-snmp';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import { SNMP_AGENT_SECRETS, SNMP_AGENT_USERS } from '@pollfleet/testing/snmp-agent';

/** A logger that keeps every line it writes, to assert no secret is ever logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

export function makeCollector(
  options: SnmpCollectorOptions = {},
  sharedState: SharedStateStore = new MemorySharedState(),
  logger: Logger = testLogger(),
): SnmpCollector {
  return new SnmpCollector({ logger, clock: systemClock, sharedState }, options);
}

export function device(
  c: SnmpCollector,
  port: number,
  rawOptions: unknown,
  over: Partial<{ id: string; timeoutMs: number; host: string }> = {},
): DeviceSpec<SnmpOptions> {
  const id = over.id ?? 'dev-1';
  return {
    id,
    name: id,
    collectorType: 'snmp',
    host: over.host ?? '127.0.0.1',
    port,
    intervalMs: 10_000,
    timeoutMs: over.timeoutMs ?? 10_000,
    options: c.parseOptions(rawOptions, id),
    credentialsRef: 'ref',
    labels: {},
    revision: 1,
  };
}

export function context(
  secrets: Record<string, string> = SNMP_AGENT_SECRETS,
  signal: AbortSignal = new AbortController().signal,
  logger: Logger = testLogger(),
): CollectContext {
  return { signal, credentials: new Credentials(secrets), logger, scheduledFor: Date.now() };
}

/** Records unhandled rejections and uncaught exceptions, to assert none happened. */
export function watchProcessErrors(): unknown[] {
  const seen: unknown[] = [];
  process.on('unhandledRejection', (e) => seen.push(e));
  process.on('uncaughtExceptionMonitor', (e) => seen.push(e));
  return seen;
}

/** Device options for the test agent's authPriv user (SHA-256 / AES). */
export const AUTH_PRIV_OPTIONS = {
  version: '3',
  securityLevel: 'authPriv',
  user: SNMP_AGENT_USERS.authPriv,
  authProtocol: 'sha256',
  privProtocol: 'aes',
} as const;

/** Offset just past the tag and length of the BER element at `at`. */
function berContent(b: Buffer, at: number): number {
  const l = b[at + 1] ?? 0;
  return at + 2 + (l & 0x80 ? l & 0x7f : 0);
}

/** Offset of the BER element after the one at `at`. */
function berNext(b: Buffer, at: number): number {
  const l = b[at + 1] ?? 0;
  if (!(l & 0x80)) return at + 2 + l;
  let n = 0;
  for (let i = 0; i < (l & 0x7f); i++) n = n * 256 + (b[at + 2 + i] ?? 0);
  return at + 2 + (l & 0x7f) + n;
}

/**
 * Where the parts of a v3 message are (for tests that damage or drop datagrams): the msgFlags
 * byte and msgAuthenticationParameters' content (empty when not authenticated).
 */
export function v3Layout(msg: Buffer): { flags: number; auth: number; authLength: number } {
  const version = berContent(msg, 0);
  const global = berNext(msg, version);
  const msgId = berContent(msg, global);
  const flagsTlv = berNext(msg, berNext(msg, msgId));
  const secParams = berNext(msg, global); // OCTET STRING holding a SEQUENCE
  const engineId = berContent(msg, berContent(msg, secParams));
  const authTlv = berNext(msg, berNext(msg, berNext(msg, berNext(msg, engineId)))); // boots, time, user
  return { flags: flagsTlv + 2, auth: berContent(msg, authTlv), authLength: msg[authTlv + 1] ?? 0 };
}
