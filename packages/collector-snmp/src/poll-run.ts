import snmp from 'net-snmp';
import type { RequestSession } from './community-session.js';
import { decodeValue, isException, SnmpType, counter64 } from './decode.js';
import type { SnmpValue, SnmpVarbind as Varbind } from './decode.js';
import { COUNTER_INFO_COLUMNS } from './profile.js';
import type { SnmpProfile } from './profile.js';
import type { CounterSample, RowCounterInfo } from './rates.js';
import { walkColumns } from './walker.js';
import type { SnmpRequester, WalkLead } from './walker.js';

type Cb<T> = (err: Error | null, res?: T) => void;

/**
 * One poll's requests: each is a promise that settles at once when the poll is stopped (abort,
 * budget spent, malformed datagram), whatever net-snmp is still doing.
 */
export class PollRun {
  readonly #session: RequestSession;
  readonly #pending = new Set<(err: Error) => void>();
  #stopped: Error | undefined;

  constructor(session: RequestSession) {
    this.#session = session;
  }

  get stopped(): Error | undefined {
    return this.#stopped;
  }

  readonly guard = <T>(start: (cb: Cb<T>) => void): Promise<T> => {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        this.#pending.delete(fail);
        reject(err);
      };
      this.#pending.add(fail);
      try {
        start((err, res) => {
          if (err) return fail(err);
          if (settled) return;
          settled = true;
          this.#pending.delete(fail);
          resolve(res as T);
        });
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
  };

  stop(err: Error): void {
    if (this.#stopped) return;
    this.#stopped = err;
    for (const fail of [...this.#pending]) fail(err);
    this.#session.cancelRequests(err);
  }
}

/** Runs tasks with at most `limit` in flight; the first failure stops the run and is rethrown. */
export async function runLimited(
  tasks: readonly (() => Promise<void>)[],
  limit: number,
  run: PollRun,
): Promise<void> {
  let next = 0;
  let first: Error | undefined;
  const worker = async (): Promise<void> => {
    while (next < tasks.length && first === undefined) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (err) {
        if (first === undefined) {
          first = err instanceof Error ? err : new Error('table walk failed');
          run.stop(first);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (first !== undefined) throw first;
}

const SCALARS_PER_PDU = 32;
const NO_SUCH_NAME = snmp.ErrorStatus.NoSuchName;

/** GETs scalars, many per PDU. Missing objects are left out. Returns oid → varbind. */
export async function getScalars(
  req: SnmpRequester,
  oids: readonly string[],
): Promise<Map<string, Varbind>> {
  const out = new Map<string, Varbind>();
  for (let i = 0; i < oids.length; i += SCALARS_PER_PDU) {
    const chunk = oids.slice(i, i + SCALARS_PER_PDU);
    let vbs: Varbind[];
    try {
      vbs = await req.get(chunk);
    } catch (err) {
      // v1 fails the whole PDU when one object is missing: ask one by one.
      if (!(err instanceof snmp.RequestFailedError && err.status === NO_SUCH_NAME)) throw err;
      vbs = [];
      for (const oid of chunk) {
        try {
          vbs.push(...(await req.get([oid])));
        } catch (e) {
          if (!(e instanceof snmp.RequestFailedError && e.status === NO_SUCH_NAME)) throw e;
        }
      }
    }
    for (const vb of vbs) if (!isException(vb.type)) out.set(vb.oid, vb);
  }
  return out;
}

/** At most this many scalars ride on a walk's first GETBULK (the rest of the reply is rows). */
const MAX_LEAD_SCALARS = 16;

/**
 * Can the scalars be asked as non-repeaters of the first GETBULK? v2c/v3 only, a profile with
 * tables, and scalars that are `.0` instances (GETNEXT of the object returns its `.0`).
 */
export function leadable(
  version: '1' | '2c' | '3',
  oids: readonly string[],
  profile: SnmpProfile,
): boolean {
  return (
    version !== '1' &&
    profile.tables.length > 0 &&
    oids.length <= MAX_LEAD_SCALARS &&
    oids.every((x) => x.endsWith('.0'))
  );
}

/** GETNEXT answers for `X` (asked for `X.0`): kept where the agent returned exactly `X.0`. */
export function scalarsFromNext(
  oids: readonly string[],
  vbs: readonly Varbind[],
): Map<string, Varbind> {
  const out = new Map<string, Varbind>();
  for (let i = 0; i < oids.length; i++) {
    const vb = vbs[i];
    if (vb && vb.oid === oids[i] && !isException(vb.type)) out.set(vb.oid, vb);
  }
  return out;
}

export type Row = Record<string, SnmpValue>;

export interface TablesOutcome {
  readonly tables: Record<string, Record<string, Row>>;
  readonly counters: CounterSample;
  readonly partial: boolean;
  readonly warnings: string[];
}

/** Walks every table of the profile: columns grouped per GETBULK, groups run with bounded parallelism. */
export async function walkTables(
  req: SnmpRequester,
  run: PollRun,
  profile: SnmpProfile,
  o: { columnsPerRequest: number; maxRepetitions: number; maxParallelRequests: number },
  /** Rows per column group at the previous poll of this device (read and updated). */
  rowHints: Map<string, number>,
  /**
   * Scalars to ask with the first GETBULK of the smallest column group, which then runs alone
   * before the others (so a failure of that first request is the poll's first failure).
   */
  lead?: WalkLead,
): Promise<TablesOutcome> {
  const tables: Record<string, Record<string, Row>> = {};
  const counters: CounterSample = new Map();
  const meta = new Map<string, Map<string, InfoColumns>>();
  const warnings: string[] = [];
  let partial = false;
  const tasks: (() => Promise<void>)[] = [];
  let leadTask = -1;
  let leadColumns = Number.POSITIVE_INFINITY;
  for (const table of profile.tables) {
    for (let i = 0; i < table.columns.length; i += o.columnsPerRequest) {
      const group = table.columns.slice(i, i + o.columnsPerRequest);
      const index = tasks.length;
      if (lead && group.length < leadColumns) [leadTask, leadColumns] = [index, group.length];
      tasks.push(async () => {
        const hintKey = group[0]!.oid;
        const rows = (tables[table.name] ??= {});
        let tc = counters.get(table.name);
        const roles = group.map((c) => COUNTER_INFO_COLUMNS.get(c.oid));
        const sink = (k: number, index: string, vb: Varbind): void => {
          const column = group[k]!;
          const value = decodeValue(vb, column.type);
          if (value === undefined) return;
          const name = column.name;
          (rows[index] ??= {})[name] = value;
          const role = roles[k];
          if (role !== undefined && typeof value === 'number') {
            let m = meta.get(table.name);
            if (!m) meta.set(table.name, (m = new Map<string, InfoColumns>()));
            let r = m.get(index);
            if (!r) m.set(index, (r = {}));
            r[role] = value;
          }
          if (vb.type !== SnmpType.COUNTER32 && vb.type !== SnmpType.COUNTER64) return;
          // Column groups of one table run in parallel: share the table's counters.
          tc ??= counters.get(table.name);
          if (!tc) counters.set(table.name, (tc = { counter64: new Set(), rows: new Map() }));
          let r = tc.rows.get(index);
          if (!r) tc.rows.set(index, (r = {}));
          if (vb.type === SnmpType.COUNTER32) r[name] = vb.value as number;
          else {
            tc.counter64.add(name);
            r[name] = counter64(vb.value as Buffer);
          }
        };
        const res = await walkColumns(
          req,
          group.map((c) => c.oid),
          o.maxRepetitions,
          rowHints.get(hintKey),
          sink,
          index === leadTask ? lead : undefined,
        );
        if (!res.partial) rowHints.set(hintKey, Math.max(0, ...res.counts));
        partial ||= res.partial;
        warnings.push(...res.warnings);
      });
    }
  }
  if (leadTask >= 0) {
    const [first] = tasks.splice(leadTask, 1);
    await runLimited([first!], 1, run);
  }
  await runLimited(tasks, o.maxParallelRequests, run);
  for (const [name, m] of meta) {
    const tc = counters.get(name);
    if (tc) counters.set(name, { ...tc, info: counterInfo(m) });
  }
  for (const name of Object.keys(tables)) {
    if (Object.keys(tables[name]!).length === 0) delete tables[name]; // the agent has no such table
  }
  return { tables, counters, partial, warnings };
}

type InfoColumns = Partial<Record<'speed' | 'highSpeed' | 'discontinuity', number>>;

const SPEED32_MAX = 4294967295; // ifSpeed's "faster than this: see ifHighSpeed"

/** Row speed (ifHighSpeed when set, else ifSpeed) and discontinuity time, for the rate code. */
function counterInfo(m: Map<string, InfoColumns>): Map<string, RowCounterInfo> {
  const out = new Map<string, RowCounterInfo>();
  for (const [index, c] of m) {
    const i: RowCounterInfo = {};
    if (c.highSpeed !== undefined && c.highSpeed > 0) i.speedBps = c.highSpeed * 1e6;
    else if (c.speed !== undefined && c.speed > 0 && c.speed < SPEED32_MAX) i.speedBps = c.speed;
    if (c.discontinuity !== undefined) i.discontinuity = c.discontinuity;
    out.set(index, i);
  }
  return out;
}

/** Promisified net-snmp calls, bound to one session. */
export function sessionRequester(
  session: RequestSession,
  version: '1' | '2c' | '3',
  guard: <T>(start: (cb: (err: Error | null, res?: T) => void) => void) => Promise<T>,
): SnmpRequester {
  return {
    version,
    get: (oids) => guard<Varbind[]>((cb) => session.get(oids, cb)),
    getNext: (oids) => guard<Varbind[]>((cb) => session.getNext(oids, cb)),
    getBulk: (oids, reps, nonRepeaters = 0) =>
      guard<(Varbind | Varbind[])[]>((cb) => session.getBulk(oids, nonRepeaters, reps, cb)),
  };
}
