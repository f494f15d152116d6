export { PostgresInventory } from './postgres-inventory.js';
export type { PostgresInventoryWatch } from './postgres-inventory.js';
export { PostgresCredentialResolver, parseSecret } from './credential-resolver.js';
export { PostgresSnmpProfileSource } from './snmp-profile-source.js';
export { migrate } from './migrate.js';
export type { MigrateOptions } from './migrate.js';
export { InventoryMigrationProvider, INVENTORY_MIGRATION_NAMES } from './migrations/index.js';
export { resolveInventoryOptions } from './options.js';
export type {
  EmbeddedInventoryOptions,
  InventoryOptions,
  InventoryTarget,
  ResolvedInventoryOptions,
} from './options.js';
export { EMBEDDED_LOCK_FILE, EMBEDDED_PGDATA } from './embedded-postgres.js';
export { PGliteDialect } from './pglite-dialect.js';
export type {
  InventoryDatabase,
  DevicesTable,
  CredentialsTable,
  SnmpProfilesTable,
} from './database.js';
export { DEVICE_CHANNEL } from './device-change-listener.js';
export { toDeviceRow, toLabels } from './device-row.js';
export type { DeviceRecord } from './device-row.js';
export {
  CredentialsFormatError,
  EmbeddedInventoryLockedError,
  EmbeddedInventoryOpenError,
  InventoryClosedError,
  InventoryMigrationError,
  InventoryWatchError,
} from './errors.js';
