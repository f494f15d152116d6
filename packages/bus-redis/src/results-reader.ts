import type { PollResult } from '@pollfleet/core';
import { ConfigError, RESULT_SCHEMA_VERSION } from '@pollfleet/core';
import type { Redis } from 'ioredis';
import { BusDecodeError, BusReadError } from './errors.js';

export interface ResultsReaderOptions {
  /** Stream key, e.g. `bus.stream`. */
  stream: string;
  /** Consumer group; created (with MKSTREAM) on first read if missing. */
  group: string;
  /** This reader's name within the group. */
  consumer: string;
  /**
   * Most entries per read.
   * @defaultValue 100
   */
  count?: number;
  /**
   * How long a read waits for new entries; 0 returns at once. A blocking read holds the
   * connection: give the reader its own client, with `commandTimeout` above this value.
   * @defaultValue 0
   */
  blockMs?: number;
  /**
   * Where a newly created group starts: `'0'` = everything still in the stream, `'$'` = only
   * entries added afterwards.
   * @defaultValue `'0'`
   */
  startFrom?: '0' | '$';
}

/** One stream entry: a decoded result, or why it could not be decoded (ack it anyway). */
export type StreamedResult =
  | { readonly id: string; readonly ok: true; readonly result: PollResult }
  | { readonly id: string; readonly ok: false; readonly error: BusDecodeError };

type ReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * Consumer-group reader for downstream users and tests (XREADGROUP / XACK). Entries stay
 * pending in the group until acknowledged with `ack`, so a consumer that crashes mid-batch
 * can re-read its own pending entries with `read({ pending: true })`, and another consumer can
take over a dead one's with `claim(minIdleMs)`.
 */
export class ResultsReader {
  readonly #redis: Redis;
  readonly #o: Required<ResultsReaderOptions>;
  #groupReady = false;

  constructor(redis: Redis, options: ResultsReaderOptions) {
    const o = { count: 100, blockMs: 0, startFrom: '0' as const, ...options };
    if (!Number.isInteger(o.count) || o.count < 1) {
      throw new ConfigError('reader.count', 'must be a positive integer');
    }
    if (!Number.isInteger(o.blockMs) || o.blockMs < 0) {
      throw new ConfigError('reader.blockMs', 'must be a non-negative integer');
    }
    for (const field of ['stream', 'group', 'consumer'] as const) {
      if (o[field].length === 0) throw new ConfigError(`reader.${field}`, 'must be non-empty');
    }
    const timeout = redis.options.commandTimeout;
    if (o.blockMs > 0 && timeout !== undefined && timeout <= o.blockMs) {
      throw new ConfigError(
        'reader.blockMs',
        `must be below the client's commandTimeout (${timeout} ms), or the read times out`,
      );
    }
    this.#redis = redis;
    this.#o = o;
  }

  /** New entries for this consumer (or, with `pending`, its delivered but unacknowledged ones). */
  async read(options: { pending?: boolean } = {}): Promise<StreamedResult[]> {
    await this.#ensureGroup();
    const { stream, group, consumer, count, blockMs } = this.#o;
    const from = options.pending === true ? '0' : '>';
    let reply: ReadReply;
    try {
      reply = (
        blockMs > 0 && options.pending !== true
          ? await this.#redis.xreadgroup(
              'GROUP',
              group,
              consumer,
              'COUNT',
              count,
              'BLOCK',
              blockMs,
              'STREAMS',
              stream,
              from,
            )
          : await this.#redis.xreadgroup(
              'GROUP',
              group,
              consumer,
              'COUNT',
              count,
              'STREAMS',
              stream,
              from,
            )
      ) as ReadReply;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('NOGROUP')) this.#groupReady = false;
      throw new BusReadError(`XREADGROUP ${stream} ${group}: ${String(err)}`, err);
    }
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => decodeEntry(id, fields));
  }

  /**
   * Takes over entries another consumer of the group received but has not acknowledged for
   * `minIdleMs` (it crashed), up to `count` per call, oldest first (XAUTOCLAIM). They become
   * this consumer's pending entries: process, then `ack`.
   */
  async claim(minIdleMs: number): Promise<StreamedResult[]> {
    await this.#ensureGroup();
    const { stream, group, consumer, count } = this.#o;
    let reply: unknown[];
    try {
      reply = await this.#redis.xautoclaim(
        stream,
        group,
        consumer,
        minIdleMs,
        '0-0',
        'COUNT',
        count,
      );
    } catch (err) {
      throw new BusReadError(`XAUTOCLAIM ${stream} ${group}: ${String(err)}`, err);
    }
    // [next start id, [[id, fields] | null …], deleted ids]; trimmed entries come back as null.
    const entries = (reply[1] ?? []) as ([string, string[]] | null)[];
    return entries.flatMap((e) => (e === null ? [] : [decodeEntry(e[0], e[1])]));
  }

  /** Acknowledges entries; resolves to how many were pending. */
  async ack(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    try {
      return await this.#redis.xack(this.#o.stream, this.#o.group, ...ids);
    } catch (err) {
      throw new BusReadError(`XACK ${this.#o.stream} ${this.#o.group}: ${String(err)}`, err);
    }
  }

  async #ensureGroup(): Promise<void> {
    if (this.#groupReady) return;
    const { stream, group, startFrom } = this.#o;
    try {
      await this.#redis.xgroup('CREATE', stream, group, startFrom, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) {
        throw new BusReadError(`XGROUP CREATE ${stream} ${group}: ${String(err)}`, err);
      }
    }
    this.#groupReady = true;
  }
}

/** One-shot read: `new ResultsReader(redis, options).read()`. */
export function readResults(
  redis: Redis,
  options: ResultsReaderOptions,
): Promise<StreamedResult[]> {
  return new ResultsReader(redis, options).read();
}

function decodeEntry(id: string, fields: string[]): StreamedResult {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const fail = (message: string): StreamedResult => ({
    id,
    ok: false,
    error: new BusDecodeError(id, message),
  });
  if (f.get('v') !== String(RESULT_SCHEMA_VERSION)) {
    return fail(`unsupported schema version ${f.get('v') ?? '(none)'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(f.get('result') ?? '');
  } catch {
    return fail('result is not JSON');
  }
  const r = parsed as Partial<PollResult> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    r.v !== RESULT_SCHEMA_VERSION ||
    typeof r.deviceId !== 'string' ||
    typeof r.fence !== 'number' ||
    typeof r.scheduledFor !== 'number' ||
    typeof r.ok !== 'boolean'
  ) {
    return fail('result lacks v, deviceId, fence, scheduledFor or ok');
  }
  return { id, ok: true, result: r as PollResult };
}
