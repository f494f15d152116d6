import type { Logger } from 'pino';
import { Credentials } from '@pollfleet/core';
import type { CollectContext, DeviceSpec } from '@pollfleet/core';
import type { RouterOsCollector, RouterOsOptions } from '@pollfleet/collector-routeros';
import { testLogger } from '@pollfleet/testing';

/** A device row for `target` (a simulated router or any host/port), options parsed by `c`. */
export function routerDevice(
  c: RouterOsCollector,
  target: { readonly host: string; readonly port: number },
  id: string,
  raw: unknown = {},
  credentialsRef: string | null = 'ref',
): DeviceSpec<RouterOsOptions> {
  return {
    id,
    name: id,
    collectorType: 'routeros',
    host: target.host,
    port: target.port,
    intervalMs: 10_000,
    timeoutMs: 5000,
    options: c.parseOptions(raw, id),
    credentialsRef,
    labels: {},
    revision: 1,
  };
}

/** A poll's context as the engine builds it: user `admin`, the given password. */
export function collectContext(
  o: { password?: string; signal?: AbortSignal; logger?: Logger; scheduledFor?: number } = {},
): CollectContext {
  return {
    signal: o.signal ?? new AbortController().signal,
    credentials: new Credentials({ username: 'admin', password: o.password ?? 'secret' }),
    logger: o.logger ?? testLogger(),
    scheduledFor: o.scheduledFor ?? Date.now(),
  };
}
