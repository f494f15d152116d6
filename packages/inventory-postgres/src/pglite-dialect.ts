import type { PGlite, Transaction } from '@electric-sql/pglite';
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** int8 as a string, as node-postgres returns it: ids stay exact and the row mapping is shared. */
const INT8_AS_STRING = { 20: (value: string): string => value };

/**
 * Kysely on PGlite: PostgreSQL's adapter, compiler and introspector (it is PostgreSQL), and a
 * driver over `pglite.query` / `pglite.transaction`.
 *
 * PGlite is one session. A Kysely transaction runs inside `pglite.transaction()`, which holds
 * PGlite's transaction mutex until commit or rollback, so statements from other connections
 * (and LISTEN/UNLISTEN) wait instead of landing inside it. Outside a transaction every
 * statement takes that mutex for itself.
 */
export class PGliteDialect implements Dialect {
  readonly #open: () => Promise<PGlite>;
  readonly #close: () => Promise<void>;

  /** `open` is called once, on first use; `close` when the Kysely instance is destroyed. */
  constructor(open: () => Promise<PGlite>, close: () => Promise<void>) {
    this.#open = open;
    this.#close = close;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#open, this.#close);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  readonly #open: () => Promise<PGlite>;
  readonly #close: () => Promise<void>;
  #pglite: PGlite | undefined;

  constructor(open: () => Promise<PGlite>, close: () => Promise<void>) {
    this.#open = open;
    this.#close = close;
  }

  async init(): Promise<void> {
    this.#pglite = await this.#open();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    // Connections are views of the one session; PGlite's mutexes serialise them.
    return Promise.resolve(new PGliteConnection(this.#pglite!));
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await (connection as PGliteConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end(true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end(false);
  }

  releaseConnection(): Promise<void> {
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    this.#pglite = undefined;
    await this.#close();
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #tx: Transaction | undefined;
  #finish: ((commit: boolean) => void) | undefined;
  #done: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#tx ?? this.#pglite;
    const result = await target.query<R>(compiled.sql, [...compiled.parameters], {
      rowMode: 'object',
      parsers: INT8_AS_STRING,
    });
    const command = compiled.query.kind;
    const changes =
      command === 'InsertQueryNode' ||
      command === 'UpdateQueryNode' ||
      command === 'DeleteQueryNode' ||
      command === 'MergeQueryNode';
    return {
      rows: result.rows,
      ...(changes ? { numAffectedRows: BigInt(result.affectedRows ?? 0) } : {}),
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no cursors over its single session worth the complexity here: one chunk.
    yield await this.executeQuery<R>(compiled);
  }

  /** Opens `pglite.transaction()` and keeps it open until `end()`. */
  async begin(settings: TransactionSettings): Promise<void> {
    if (this.#done !== undefined) throw new Error('a transaction is already open on it');
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const decided = new Promise<boolean>((resolve) => (this.#finish = resolve));
    this.#done = this.#pglite.transaction(async (tx) => {
      this.#tx = tx;
      const modes = [
        settings.isolationLevel && `isolation level ${settings.isolationLevel}`,
        settings.accessMode,
      ].filter((m) => typeof m === 'string');
      if (modes.length > 0) await tx.exec(`set transaction ${modes.join(' ')}`);
      started();
      if (!(await decided)) await tx.rollback();
    });
    try {
      // BEGIN (or SET TRANSACTION) failing settles #done first.
      await Promise.race([ready, this.#done]);
    } catch (err) {
      this.#reset();
      throw err;
    }
  }

  /** Commits (or rolls back) the open transaction and waits for PGlite to finish it. */
  async end(commit: boolean): Promise<void> {
    const done = this.#done;
    if (done === undefined || this.#finish === undefined) throw new Error('no open transaction');
    this.#finish(commit);
    try {
      await done;
    } finally {
      this.#reset();
    }
  }

  #reset(): void {
    this.#tx = undefined;
    this.#finish = undefined;
    this.#done = undefined;
  }
}
