export * from './lease-store-contract.js';
export * from './breaker-store-contract.js';
export * from './shared-state-contract.js';
export * from './bus-contract.js';
export * from './inventory-contract.js';
