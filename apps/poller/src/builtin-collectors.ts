import type { CollectorRegistry } from '@pollfleet/core';
import { registerRouterOsCollector } from '@pollfleet/collector-routeros';
import { registerSnmpCollector } from '@pollfleet/collector-snmp';
import type { SnmpProfileSource } from '@pollfleet/collector-snmp';

export interface BuiltinCollectorSources {
  /** Named SNMP profiles (the inventory's `snmp_profiles` table). */
  readonly snmpProfiles: SnmpProfileSource;
}

/** Collector settings that come from the configuration. */
export interface BuiltinCollectorSettings {
  readonly snmpSockets: number;
  readonly snmpAcceptAnyAddress: boolean;
}

/** The collectors every poller has; more come from POLLFLEET_COLLECTOR_MODULES. */
export function registerBuiltinCollectors(
  registry: CollectorRegistry,
  sources: BuiltinCollectorSources,
  settings: BuiltinCollectorSettings,
): void {
  registerSnmpCollector(registry, {
    profileSource: sources.snmpProfiles,
    socketCount: settings.snmpSockets,
    acceptRepliesFromAnyAddress: settings.snmpAcceptAnyAddress,
  });
  registerRouterOsCollector(registry);
}
