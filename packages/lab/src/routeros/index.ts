/**
 * A RouterOS API simulator for the lab, the standalone demo, tests and the benchmarks: many routers on
 * loopback ports (consecutive from `basePort`, or free ports), RouterOS 6.49 and 7.18+
 * behaviour (health shapes, uptime notation, `!empty`, pre-6.43 challenge login), api-ssl or
 * REST over TLS with a generated self-signed certificate, counters that grow with a time
 * source, and faults switchable per router at any time:
 *
 * ```ts
 * const sim = await RouterOsSimulator.start({ routers: 64, defaults: { version: '6.49.10' } });
 * sim.router(3).faults = { dropMidReply: true };   // or slowReplyMs, malformedLength,
 * // rejectLogin, hangLogin, tlsClientHello, hangAfterAccept, hangAfterLogin, fatal, stall: ['/interface'], trap: [...]
 * await sim.close();
 * ```
 *
 * It has its own small word codec (wire.ts), so it never tests the collector's codec against
 * itself. Users: admin/secret unless `users` says otherwise.
 */
export * from './certificate.js';
export * from './rest-handler.js';
export * from './router-model.js';
export * from './router-os-lab.js';
export * from './simulator.js';
export * from './wire.js';
