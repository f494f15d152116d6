export * from './memory-shared-state.js';
export * from './test-logger.js';
