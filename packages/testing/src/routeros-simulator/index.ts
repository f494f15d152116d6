export * from './fuzz-streams.js';
export * from './wire.js';
