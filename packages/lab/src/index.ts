export { SnmpLab, DEFAULT_SYS_LOCATION } from './snmp-lab.js';
export type {
  SnmpLabDevice,
  SnmpLabDeviceOptions,
  SnmpLabFault,
  SnmpLabOptions,
  SnmpLabV3User,
} from './snmp-lab.js';
export { demoSnmpDevices, generatedSnmpDevices, LAB_COMMUNITY, LAB_V3_USER } from './demo-fleet.js';
export {
  counter32,
  DOWN_AFTER_S,
  SnmpDeviceModel,
  SnmpDeviceView,
  unitHash,
  HR_STORAGE_FIXED_DISK,
  HR_STORAGE_RAM,
  HR_STORAGE_VIRTUAL,
} from './device-model.js';
export type {
  InterfaceCounters,
  InterfaceShape,
  SnmpDeviceModelSpec,
  StorageShape,
} from './device-model.js';
export {
  counter64Bytes,
  HR_PROCESSOR_BASE_INDEX,
  instancesOf,
  OID,
  SYS_OBJECT_ID,
} from './mib-layout.js';
export type { InstanceDef, Syntax } from './mib-layout.js';
export type { AgentCounters } from './snmp-agent.js';
export { LabAgentError, LabBindError, LabConfigError, LabErrorCode } from './errors.js';
// RouterOS: the lab's routers; the simulator underneath is `@pollfleet/lab/routeros`.
export {
  demoRouterOsDevices,
  generatedRouterOsDevices,
  LAB_ROUTEROS_CREDENTIALS,
  RouterOsLab,
} from './routeros/router-os-lab.js';
export type {
  RouterOsLabCredentials,
  RouterOsLabDevice,
  RouterOsLabFault,
  RouterOsLabOptions,
  RouterOsLabRouterOptions,
} from './routeros/router-os-lab.js';
export { generateSelfSignedCertificate } from './routeros/certificate.js';
export type { SelfSignedCertificate } from './routeros/certificate.js';
export { SimulatedRouter } from './routeros/simulator.js';
export type { SimulatorFaults } from './routeros/simulator.js';
