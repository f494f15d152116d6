import type { CollectorRegistry } from '@pollfleet/core';
import { ConfigError } from '@pollfleet/core';

/**
 * A collector plug-in is any module exporting `registerCollectors(registry, { podId })`;
 * `POLLFLEET_COLLECTOR_MODULES` lists them by package name or path.
 */
export interface CollectorPluginModule {
  registerCollectors(registry: CollectorRegistry, context: { podId: string }): void | Promise<void>;
}

export async function loadCollectorPlugins(
  registry: CollectorRegistry,
  modules: readonly string[],
  context: { podId: string },
): Promise<void> {
  for (const name of modules) {
    let mod: Partial<CollectorPluginModule>;
    try {
      mod = (await import(name)) as Partial<CollectorPluginModule>;
    } catch (err) {
      throw new ConfigError(
        'POLLFLEET_COLLECTOR_MODULES',
        `cannot load "${name}": ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (typeof mod.registerCollectors !== 'function') {
      throw new ConfigError(
        'POLLFLEET_COLLECTOR_MODULES',
        `"${name}" does not export registerCollectors(registry, context)`,
      );
    }
    await mod.registerCollectors(registry, context);
  }
}
