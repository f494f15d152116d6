export * from './snmp-agent.js';
export * from './udp-delay-proxy.js';
export * from './snmp-tools.js';
