export * from './errors.js';
export * from './codec.js';
