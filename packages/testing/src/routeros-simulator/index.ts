/**
 * The RouterOS API simulator now lives in `@pollfleet/lab` (production code: the demo and
 * `pollfleet lab` serve its routers); this re-export keeps the tests' imports working. The fuzz
 * streams stay here: they are for tests only.
 */
export * from '@pollfleet/lab/routeros';
export * from './fuzz-streams.js';
