import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One value as printed by the net-snmp C tools with `-On -Oe -Ot -Ox`. */
export interface ToolValue {
  /** `STRING` (always hex under -Ox, see `hex`), `INTEGER`, `Counter32`, `Counter64`, `Gauge32`, `OID`, `IpAddress`, `Timeticks`... */
  readonly type: string;
  /** The printed value; for octet strings the bytes as lowercase hex without separators. */
  readonly value: string;
}

/** Parses `-On -Oe -Ot -Ox` output: one entry per OID (without the leading dot). */
export function parseToolOutput(out: string): Map<string, ToolValue> {
  const result = new Map<string, ToolValue>();
  let current: { oid: string; type: string; parts: string[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const raw = current.parts.join(' ').trim();
    let value = raw;
    if (current.type === 'STRING') value = raw.replace(/\s+/g, '').toLowerCase();
    if (current.type === 'OID') value = raw.replace(/^\./, '');
    result.set(current.oid, { type: current.type, value });
    current = undefined;
  };
  for (const line of out.split('\n')) {
    const m = /^\.?((?:\d+\.)+\d+) = (.*)$/.exec(line);
    if (m) {
      flush();
      const oid = m[1]!;
      const rest = m[2]!;
      const typed = /^([A-Za-z0-9-]+): ?(.*)$/.exec(rest);
      if (rest === '""') current = { oid, type: 'STRING', parts: [] };
      else if (!typed) current = { oid, type: 'Timeticks', parts: [rest] };
      else {
        const t = typed[1]!;
        current = { oid, type: t === 'Hex-STRING' ? 'STRING' : t, parts: [typed[2]!] };
      }
    } else if (current && line.trim() !== '') {
      current.parts.push(line);
    }
  }
  flush();
  return result;
}

export interface ToolTarget {
  host: string;
  port: number;
  /** Arguments selecting version and security, e.g. `['-v2c', '-c', community]`. */
  auth: string[];
  env: NodeJS.ProcessEnv;
}

const FORMAT = ['-On', '-Oe', '-Ot', '-Ox', '-t', '2', '-r', '1'];

export async function toolGet(t: ToolTarget, oids: string[]): Promise<Map<string, ToolValue>> {
  const { stdout } = await run('snmpget', [...t.auth, ...FORMAT, `${t.host}:${t.port}`, ...oids], {
    env: t.env,
  });
  return parseToolOutput(stdout);
}

export async function toolBulkWalk(
  t: ToolTarget,
  oid: string,
  maxRepetitions = 25,
): Promise<Map<string, ToolValue>> {
  const v1 = t.auth.includes('-v1'); // v1 has no GETBULK: snmpwalk
  const { stdout } = await run(
    v1 ? 'snmpwalk' : 'snmpbulkwalk',
    [...t.auth, ...FORMAT, ...(v1 ? [] : [`-Cr${maxRepetitions}`]), `${t.host}:${t.port}`, oid],
    { env: t.env, maxBuffer: 64 * 1024 * 1024 },
  );
  return parseToolOutput(stdout);
}
