export * from './errors.js';
export * from './codec.js';
export * from './transport.js';
export * from './connection.js';
