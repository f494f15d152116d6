// SNMP agent helpers (a real snmpd started with a generated config) land with the SNMP collector (issue 4).
export {};
