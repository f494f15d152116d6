import type { SnmpProfile } from '@pollfleet/collector-snmp';

/** What snmp_exporter's if_mib module collects: sysUpTime + ifTable + ifXTable. */
export const IF_MIB_PROFILE: SnmpProfile = {
  scalars: [
    { name: 'sysUpTime', oid: '1.3.6.1.2.1.1.3.0' },
    { name: 'ifNumber', oid: '1.3.6.1.2.1.2.1.0' },
  ],
  tables: [
    {
      name: 'interfaces',
      columns: [
        ...Array.from({ length: 22 }, (_, i) => ({
          name: `if${i + 1}`,
          oid: `1.3.6.1.2.1.2.2.1.${i + 1}`,
        })),
        ...Array.from({ length: 19 }, (_, i) => ({
          name: `ifx${i + 1}`,
          oid: `1.3.6.1.2.1.31.1.1.1.${i + 1}`,
        })),
      ],
    },
  ],
};
