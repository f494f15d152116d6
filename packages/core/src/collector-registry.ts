import { ConfigError } from './errors.js';
import type { Collector, CollectorDeps, CollectorFactory } from './collector.js';
import { namespacedSharedState } from './shared-state.js';

const TYPE_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * Maps a row's `collector_type` to a collector. New types are registered in code:
 *
 * ```ts
 * registry.registerCollector('snmp', (deps) => new SnmpCollector(deps));
 * ```
 *
 * Collectors are created once per poller, on first use.
 */
export class CollectorRegistry {
  readonly #factories = new Map<string, CollectorFactory>();
  readonly #instances = new Map<string, Collector>();

  registerCollector(type: string, factory: CollectorFactory): this {
    if (!TYPE_PATTERN.test(type)) {
      throw new ConfigError('collectorType', `"${type}" must match ${TYPE_PATTERN.source}`);
    }
    if (this.#factories.has(type)) {
      throw new ConfigError('collectorType', `a collector of type "${type}" is already registered`);
    }
    this.#factories.set(type, factory);
    return this;
  }

  has(type: string): boolean {
    return this.#factories.has(type);
  }

  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /** The collector for `type`, created on first use; undefined for an unknown type. */
  get(type: string, deps: CollectorDeps): Collector | undefined {
    let c = this.#instances.get(type);
    if (c) return c;
    const factory = this.#factories.get(type);
    if (!factory) return undefined;
    c = factory({
      ...deps,
      logger: deps.logger.child({ collector: type }),
      sharedState: namespacedSharedState(deps.sharedState, type),
    });
    if (c.type !== type) {
      throw new ConfigError('collectorType', `factory for "${type}" built a "${c.type}" collector`);
    }
    this.#instances.set(type, c);
    return c;
  }

  /** Closes every collector created so far. */
  async close(): Promise<void> {
    const all = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}
