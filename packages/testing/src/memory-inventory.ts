import type { DeviceRow, Inventory, InventoryChange, InventoryWatch } from '@pollfleet/core';

/**
 * In-memory {@link Inventory} with change notifications, for unit tests and the standalone
 * mode's fallback. `failing = true` makes reads reject (an unreachable database).
 */
export class MemoryInventory implements Inventory {
  readonly #rows = new Map<string, DeviceRow>();
  readonly #listeners = new Set<(c: InventoryChange) => void>();
  #revision = 1;
  failing = false;

  /** Inserts or replaces a row (defaults fill the rest) and notifies watchers. */
  put(row: Partial<DeviceRow> & Pick<DeviceRow, 'id'>): DeviceRow {
    const full: DeviceRow = {
      name: `device-${row.id}`,
      collectorType: 'scripted',
      host: '127.0.0.1',
      port: null,
      intervalMs: 1000,
      timeoutMs: 500,
      enabled: true,
      options: {},
      credentialsRef: null,
      labels: {},
      ...this.#rows.get(row.id),
      ...row,
      revision: this.#revision++,
    };
    this.#rows.set(row.id, full);
    this.#notify([row.id]);
    return full;
  }

  delete(id: string): void {
    this.#rows.delete(id);
    this.#notify([id]);
  }

  listEnabled(): Promise<DeviceRow[]> {
    if (this.failing) return Promise.reject(new Error('inventory unreachable'));
    return Promise.resolve([...this.#rows.values()].filter((r) => r.enabled));
  }

  getDevices(ids: readonly string[]): Promise<DeviceRow[]> {
    if (this.failing) return Promise.reject(new Error('inventory unreachable'));
    return Promise.resolve(ids.flatMap((id) => this.#rows.get(id) ?? []));
  }

  watch(onChange: (change: InventoryChange) => void): Promise<InventoryWatch> {
    this.#listeners.add(onChange);
    return Promise.resolve({
      close: () => {
        this.#listeners.delete(onChange);
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }

  #notify(ids: string[]): void {
    for (const l of this.#listeners) l(ids);
  }
}
