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
