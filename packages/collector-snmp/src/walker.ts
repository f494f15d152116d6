import snmp from 'net-snmp';
import { isException } from './decode.js';
import type { SnmpVarbind as Varbind } from './decode.js';

/** Thrown into a walk when the poll's time budget is spent: the walk keeps what it has. */
export class BudgetSpentError extends Error {
  constructor() {
    super('time budget spent');
    this.name = 'BudgetSpentError';
  }
}

/** Compares two dotted numeric OIDs without allocating (skips their common prefix first). */
export function compareOids(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  while (s < n && a.charCodeAt(s) === b.charCodeAt(s)) s++;
  if (s === a.length && s === b.length) return 0;
  while (s > 0 && a.charCodeAt(s - 1) !== 46) s--; // back to the start of the differing arc
  let i = s;
  let j = s;
  while (i < a.length && j < b.length) {
    let x = 0;
    let y = 0;
    while (i < a.length && a.charCodeAt(i) !== 46) x = x * 10 + a.charCodeAt(i++) - 48;
    while (j < b.length && b.charCodeAt(j) !== 46) y = y * 10 + b.charCodeAt(j++) - 48;
    if (x !== y) return x < y ? -1 : 1;
    i++;
    j++;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/**
 * Compares two table indexes (the OID arcs after the column): dotted decimal, no leading zeros.
 * Single-arc indexes (most tables) compare by length, then by characters.
 */
export function compareIndexes(a: string, b: string): number {
  if (a.indexOf('.') < 0 && b.indexOf('.') < 0) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a === b ? 0 : a < b ? -1 : 1;
  }
  return compareOids(a, b);
}

/** A flat (sequential) copy of a string: fast to scan, unlike a rope built by concatenation. */
export function flatString(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/** The requests a walk issues, bound to one poll (which can cancel them). */
export interface SnmpRequester {
  readonly version: '1' | '2c' | '3';
  get(oids: string[]): Promise<Varbind[]>;
  getNext(oids: string[]): Promise<Varbind[]>;
  /**
   * GETBULK; with `nonRepeaters`, the first that many OIDs are asked once (GETNEXT semantics)
   * and come back first, as single varbinds, before the repeated columns' arrays.
   */
  getBulk(
    oids: string[],
    maxRepetitions: number,
    nonRepeaters?: number,
  ): Promise<(Varbind | Varbind[])[]>;
}

/** One column's rows: [index suffix, varbind]. */
export type ColumnRows = [string, Varbind][];

/** Receives each row as it arrives (instead of collecting `columns`). */
export type VarbindSink = (column: number, index: string, vb: Varbind) => void;

/** Scalars asked along with a walk's first request (saves a request per poll). */
export interface WalkLead {
  readonly oids: readonly string[];
  /** The lead OIDs' varbinds, in order (GETNEXT semantics: check each OID). */
  readonly onReply: (vbs: Varbind[]) => void;
}

export interface WalkOutcome {
  /** Rows per column (empty arrays when a sink was given). */
  readonly columns: ColumnRows[];
  /** Rows seen per column. */
  readonly counts: number[];
  /** The budget ran out before every column reached its end. */
  readonly partial: boolean;
  readonly warnings: string[];
}

const NO_SUCH_NAME = snmp.ErrorStatus.NoSuchName;
const TOO_BIG = snmp.ErrorStatus.TooBig;

/**
 * Walks several table columns together: GETBULK over all still-open columns (GETNEXT for v1,
 * one column at a time since v1 reports the end of a column as a PDU error). A column ends at
 * the end of its subtree, at `endOfMibView`/`noSuchObject`/`noSuchInstance`, or at an OID that
 * does not increase (a broken agent must not loop forever).
 */
export async function walkColumns(
  req: SnmpRequester,
  columnOids: readonly string[],
  maxRepetitions: number,
  /** Rows this table had last time: the first GETBULK asks for just one more, so a small table does not drag in max-repetitions × columns varbinds past its end. */
  rowsLastTime?: number,
  sink?: VarbindSink,
  /** OIDs to ask once (GETNEXT) as non-repeaters of the walk's first GETBULK (v2c/v3). */
  lead?: WalkLead,
): Promise<WalkOutcome> {
  const columns: ColumnRows[] = columnOids.map(() => []);
  const counts = columnOids.map(() => 0);
  const last = [...columnOids];
  // Flat copies (template strings are ropes, slow to scan character by character).
  const prefixes = columnOids.map((c) => flatString(c + '.'));
  const lastIndex: (string | undefined)[] = columnOids.map(() => undefined);
  const warnings: string[] = [];
  let open = columnOids.map((_, i) => i);
  let reps = maxRepetitions;
  let first =
    rowsLastTime === undefined ? maxRepetitions : Math.min(maxRepetitions, rowsLastTime + 1);
  try {
    while (open.length > 0) {
      const batch = req.version === '1' ? open.slice(0, 1) : open;
      let answer: Varbind[][];
      try {
        if (req.version === '1') {
          answer = (await req.getNext(batch.map((i) => last[i]!))).map((vb) => [vb]);
        } else {
          const n = lead?.oids.length ?? 0;
          const oids = batch.map((i) => last[i]!);
          const raw = await req.getBulk(
            n > 0 ? [...lead!.oids, ...oids] : oids,
            Math.min(reps, first),
            n,
          );
          if (lead) {
            const l = lead;
            lead = undefined;
            l.onReply(raw.slice(0, n) as Varbind[]);
          }
          answer = (n > 0 ? raw.slice(n) : raw) as Varbind[][];
        }
        first = reps;
      } catch (err) {
        if (
          err instanceof snmp.RequestFailedError &&
          err.status === NO_SUCH_NAME &&
          req.version === '1'
        ) {
          open = open.filter((i) => i !== batch[0]); // v1: end of the MIB view
          continue;
        }
        if (err instanceof snmp.RequestFailedError && err.status === TOO_BIG && reps > 1) {
          reps = Math.max(1, Math.floor(Math.min(reps, first) / 2));
          first = reps;
          continue;
        }
        throw err;
      }
      const stillOpen: number[] = [];
      let progressed = false;
      for (let k = 0; k < batch.length; k++) {
        const col = batch[k]!;
        const prefix = prefixes[col]!;
        const skip = prefix.length;
        const vbs = answer[k] ?? [];
        let ended = false;
        for (let v = 0; v < vbs.length; v++) {
          const vb = vbs[v]!;
          const oid = vb.oid;
          if (isException(vb.type) || oid.length <= skip || !oid.startsWith(prefix)) {
            ended = true;
            break;
          }
          const index = oid.slice(skip);
          const previous = lastIndex[col];
          if (previous !== undefined && compareIndexes(index, previous) <= 0) {
            warnings.push(
              `column ${columnOids[col]!}: agent returned a non-increasing OID, walk stopped`,
            );
            ended = true;
            break;
          }
          if (sink) sink(col, index, vb);
          else columns[col]!.push([index, vb]);
          counts[col]!++;
          lastIndex[col] = index;
          last[col] = oid;
          progressed = true;
        }
        if (!ended) stillOpen.push(col);
      }
      // Columns not in this batch (v1) stay open.
      const rest = open.filter((i) => !batch.includes(i));
      open = [...stillOpen, ...rest];
      if (!progressed && stillOpen.length > 0) {
        warnings.push('agent returned no usable varbinds for open columns, walk stopped');
        break;
      }
    }
  } catch (err) {
    if (err instanceof BudgetSpentError) return { columns, counts, partial: true, warnings };
    throw err;
  }
  return { columns, counts, partial: false, warnings };
}
