export * from './certificate.js';
export * from './fuzz-streams.js';
export * from './router-model.js';
export * from './simulator.js';
export * from './wire.js';
