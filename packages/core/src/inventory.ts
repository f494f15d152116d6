import type { DeviceRow } from './device.js';

/** Ids of rows that changed, or `'all'` when changes may have been missed (reconnect). */
export type InventoryChange = readonly string[] | 'all';

export interface InventoryWatch {
  close(): Promise<void>;
}

/** The device table, as the reconciler sees it. PostgreSQL (or embedded PGlite); memory in tests. */
export interface Inventory {
  /** Every enabled row. */
  listEnabled(): Promise<DeviceRow[]>;
  /** The rows with these ids that exist (enabled or not). */
  getDevices(ids: readonly string[]): Promise<DeviceRow[]>;
  /**
   * Calls `onChange` soon after rows are inserted, updated or deleted (LISTEN/NOTIFY), and
   * `onError` when the watch connection fails (it keeps retrying; on reconnect it reports 'all').
   */
  watch(
    onChange: (change: InventoryChange) => void,
    onError: (err: Error) => void,
  ): Promise<InventoryWatch>;
  close(): Promise<void>;
}
