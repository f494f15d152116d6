import type { SnmpLabDeviceOptions } from './snmp-lab.js';

/** The lab's v3 user: what the demo's v3 devices accept (SHA-1 / AES-128). */
export const LAB_V3_USER = {
  user: 'labmon',
  authKey: 'lab-auth-pass',
  privKey: 'lab-priv-pass',
} as const;
export const LAB_COMMUNITY = 'public';

/**
 * The demo's SNMP devices: healthy v2c and v3 agents (one with 50 interfaces), and one of each
 * broken kind. `slowMs` should exceed the timeout the demo gives the slow device's row.
 */
export function demoSnmpDevices(slowMs = 15000): SnmpLabDeviceOptions[] {
  return [
    { name: 'lab-switch-1', interfaces: 50, community: LAB_COMMUNITY },
    { name: 'lab-edge-1', interfaces: 8, community: LAB_COMMUNITY },
    { name: 'lab-edge-2', interfaces: 4, v3: LAB_V3_USER },
    { name: 'lab-core-1', interfaces: 24, cpus: 8, v3: LAB_V3_USER },
    { name: 'lab-down-1', community: LAB_COMMUNITY, fault: 'unreachable' },
    { name: 'lab-badpass-1', v3: LAB_V3_USER, fault: 'wrong-credentials' },
    { name: 'lab-slow-1', community: LAB_COMMUNITY, fault: { slowMs } },
  ];
}

/** `count` healthy devices for trials (`pollfleet lab --devices N`): v2c, every 4th one v3. */
export function generatedSnmpDevices(count: number, interfaces = 8): SnmpLabDeviceOptions[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `lab-snmp-${String(i + 1).padStart(4, '0')}`;
    return i % 4 === 3
      ? { name, interfaces, seed: i + 1, v3: LAB_V3_USER }
      : { name, interfaces, seed: i + 1, community: LAB_COMMUNITY };
  });
}
