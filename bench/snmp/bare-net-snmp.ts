// A bare net-snmp loop (no collector): one session per agent, GET sysUpTime + ifNumber and a
// GETBULK subtree walk of ifTable and ifXTable, the same data as snmp_exporter's if_mib.
import { createRequire } from 'node:module';

interface Session {
  get(oids: string[], cb: (err: Error | null) => void): void;
  subtree(
    oid: string,
    reps: number,
    feed: (vbs: unknown[]) => void,
    done: (err: Error | null) => void,
  ): void;
  close(): void;
  on(ev: string, fn: () => void): void;
}
interface NetSnmp {
  createSession(host: string, community: string, o: object): Session;
  createV3Session(host: string, user: object, o: object): Session;
  Version2c: number;
  SecurityLevel: Record<string, number>;
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

export interface BareTarget {
  port: number;
}

export function bareSessions(
  targets: BareTarget[],
  version: 'v2c' | 'v3',
  s: { community: string; user: string; authKey: string; privKey: string },
): Session[] {
  return targets.map((t) => {
    const o = { port: t.port, retries: 2, timeout: 5000 };
    const sess =
      version === 'v2c'
        ? snmp.createSession('127.0.0.1', s.community, { ...o, version: snmp.Version2c })
        : snmp.createV3Session(
            '127.0.0.1',
            {
              name: s.user,
              level: snmp.SecurityLevel.authPriv,
              authProtocol: snmp.AuthProtocols.sha256,
              authKey: s.authKey,
              privProtocol: snmp.PrivProtocols.aes,
              privKey: s.privKey,
            },
            o,
          );
    sess.on('error', () => undefined);
    return sess;
  });
}

export async function barePoll(sess: Session, reps: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    sess.get(['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.1.0'], (e) => (e ? reject(e) : resolve())),
  );
  for (const oid of ['1.3.6.1.2.1.2.2', '1.3.6.1.2.1.31.1.1']) {
    await new Promise<void>((resolve, reject) =>
      sess.subtree(
        oid,
        reps,
        () => undefined,
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  }
}
