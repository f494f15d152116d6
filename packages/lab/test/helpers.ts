import { execFile } from 'node:child_process';
import type { Clock, TimerHandle } from '@pollfleet/core';
import { instancesOf } from '@pollfleet/lab';
import type { SnmpDeviceModel, SnmpLabDevice, Syntax } from '@pollfleet/lab';

/** A clock the test moves by hand; timers fire only when the test says so. */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  get pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t);
    this.timers = this.timers.filter((x) => x.live && x.at > this.t);
    for (const x of due) x.fn();
  }
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one Net-SNMP C tool; never rejects (the exit code is part of the result). */
export function tool(cmd: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: 30000, env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** -On numeric OIDs, -Oe numeric enums, -Ot raw timeticks, -Ox strings in hex, -OQ `oid = value`. */
export const FORMAT = ['-On', '-Oe', '-Ot', '-Ox', '-t', '2', '-r', '0'];

/** The tools' security arguments for a lab device, from what the lab hands out for it. */
export function authArgs(d: SnmpLabDevice): string[] {
  if ('community' in d.secret) return ['-v2c', '-c', d.secret.community];
  const o = d.options as { user: string };
  return [
    '-v3',
    '-l',
    'authPriv',
    '-u',
    o.user,
    '-a',
    'SHA',
    '-A',
    d.secret.authKey,
    '-x',
    'AES',
    '-X',
    d.secret.privKey,
  ];
}

export const target = (d: SnmpLabDevice): string => `${d.host}:${d.port}`;

export interface Printed {
  readonly oid: string;
  readonly type: string;
  readonly value: string;
}

/** Parses `-On -Oe -Ot -Ox` output into entries in the order printed. */
export function parse(out: string): Printed[] {
  const result: Printed[] = [];
  let cur: { oid: string; type: string; parts: string[] } | undefined;
  const flush = (): void => {
    if (!cur) return;
    let value = cur.parts.join(' ').trim();
    if (cur.type === 'STRING') value = value.replace(/\s+/g, '').toLowerCase();
    if (cur.type === 'OID') value = value.replace(/^\./, '');
    result.push({ oid: cur.oid, type: cur.type, value });
    cur = undefined;
  };
  for (const line of out.split('\n')) {
    const m = /^\.?((?:\d+\.)+\d+) = (.*)$/.exec(line);
    if (m) {
      flush();
      const rest = m[2]!;
      const typed = /^([A-Za-z0-9-]+): ?(.*)$/.exec(rest);
      if (rest === '""') cur = { oid: m[1]!, type: 'STRING', parts: [] };
      else if (rest.startsWith('No more variables'))
        cur = { oid: m[1]!, type: 'endOfMibView', parts: [] };
      else if (!typed) cur = { oid: m[1]!, type: 'Timeticks', parts: [rest] };
      else {
        const t = typed[1]!;
        cur = { oid: m[1]!, type: t === 'Hex-STRING' ? 'STRING' : t, parts: [typed[2]!] };
      }
    } else if (cur && line.trim() !== '') cur.parts.push(line);
  }
  flush();
  return result;
}

const TOOL_TYPE: Record<Syntax, string> = {
  INTEGER: 'INTEGER',
  'OCTET STRING': 'STRING',
  'OBJECT IDENTIFIER': 'OID',
  Counter32: 'Counter32',
  Gauge32: 'Gauge32',
  TimeTicks: 'Timeticks',
  Counter64: 'Counter64',
};

/** Compares OIDs arc by arc, numerically (the order GETNEXT must follow). */
export function compareOids(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** What the tools must print for every instance of `model` at instant `t`, in GETNEXT order. */
export function expectedAt(model: SnmpDeviceModel, t: number): Printed[] {
  const view = model.at(t);
  return instancesOf(model)
    .map((d) => {
      const v = d.get(view);
      const type = TOOL_TYPE[d.syntax];
      let value: string;
      if (type === 'Counter64') value = BigInt(`0x${(v as Buffer).toString('hex')}`).toString();
      else if (type === 'STRING')
        value = (typeof v === 'string' ? Buffer.from(v) : (v as Buffer)).toString('hex');
      else value = String(v);
      return { oid: d.oid, type, value };
    })
    .sort((a, b) => compareOids(a.oid, b.oid));
}

/** The first served instance after `oid`, or undefined past the end. */
export function successor(expected: readonly Printed[], oid: string): Printed | undefined {
  return expected.find((e) => compareOids(e.oid, oid) > 0);
}
