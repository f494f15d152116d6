import type { CollectorRegistry } from '@pollfleet/core';

/** The collectors every poller has. SNMP and RouterOS join as their packages land. */
export function registerBuiltinCollectors(_registry: CollectorRegistry): void {}
