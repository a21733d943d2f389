import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type postgres from 'postgres';

type Params = postgres.ParameterOrJSON<never>[];

/**
 * A Kysely dialect on postgres.js that sends each query to the pool, where postgres.js pipelines
 * it on any open connection, and holds a connection only for a transaction (`db.transaction()`,
 * through postgres.js's own `begin`, which also fails the transaction when its connection drops).
 * kysely-postgres-js reserves a connection for every single query instead, which serialises
 * queries behind `reserve()` and costs a round of pool bookkeeping each time.
 *
 * Queries with parameters run as prepared statements (postgres.js names them by text and keeps
 * them per connection): the same few statements — tiles above all — are parsed and planned once
 * per connection. Queries without parameters use the simple protocol, so migrations and scripts
 * may hold several statements.
 *
 * `db.connection()` gives no session affinity outside a transaction: every query may run on a
 * different connection. Nothing here relies on session state outside transactions.
 */
export interface PostgresJsDialectOptions {
  /**
   * Called after a statement that may have changed data completed outside a transaction (any
   * statement but a plain SELECT), and after every COMMIT: caches of database state (the tile
   * layer versions) drop their copy, so this process always reads its own writes.
   */
  onWrite?: () => void;
}

export class PostgresJsDialect implements Dialect {
  readonly #sql: postgres.Sql;
  readonly #onWrite: () => void;

  constructor(sql: postgres.Sql, options: PostgresJsDialectOptions = {}) {
    this.#sql = sql;
    this.#onWrite = options.onWrite ?? (() => {});
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PostgresJsDriver(this.#sql, this.#onWrite);
  }

  readonly createIntrospector: Dialect['createIntrospector'] = (db) => new PostgresIntrospector(db);

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PostgresJsDriver implements Driver {
  readonly #sql: postgres.Sql;
  readonly #onWrite: () => void;

  constructor(sql: postgres.Sql, onWrite: () => void) {
    this.#sql = sql;
    this.#onWrite = onWrite;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PoolConnection(this.#sql, this.#onWrite);
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await (connection as PoolConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PoolConnection).finish(true);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PoolConnection).finish(false);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // A transaction left open (its callback never reached commit or rollback) is rolled back.
    await (connection as PoolConnection).finish(false).catch(() => undefined);
  }

  async destroy(): Promise<void> {
    // The pool belongs to the backend, which ends it (with a timeout) in its own close().
  }
}

/** A plain SELECT (no data-modifying CTE can precede it): no write to announce. */
const READ_ONLY = /^\s*(\/\*[^]*?\*\/\s*)*select\b/i;

/** The connection is gone (server restart, terminated backend, network): not a query error. */
function connectionLost(error: unknown): boolean {
  const e = error as { code?: string; severity?: string; errno?: string } | undefined;
  return (
    e?.severity === 'FATAL' ||
    e?.severity === 'PANIC' ||
    (typeof e?.code === 'string' &&
      (e.code.startsWith('CONNECTION_') || e.code.startsWith('57P') || e.code.startsWith('08'))) ||
    e?.code === 'ECONNRESET' ||
    e?.code === 'EPIPE'
  );
}

/** Rejects a transaction's scope so postgres.js rolls it back; never reaches callers. */
const ROLLBACK = Symbol('rollback');

/**
 * A handle Kysely sees as a connection: on its own, a door to the pool; inside a transaction, the
 * transaction's connection.
 */
class PoolConnection implements DatabaseConnection {
  readonly #pool: postgres.Sql;
  readonly #onWrite: () => void;
  #tx: postgres.TransactionSql | null = null;
  #end: ((commit: boolean) => void) | null = null;
  #done: Promise<unknown> | null = null;
  /** Set when the transaction's connection died: nothing more may be sent on it. */
  #broken: unknown = null;

  constructor(pool: postgres.Sql, onWrite: () => void) {
    this.#pool = pool;
    this.#onWrite = onWrite;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const params = query.parameters as Params;
    const tx = this.#tx;
    if (tx && this.#broken) throw this.#broken;
    let result: postgres.RowList<postgres.Row[]>;
    try {
      result = await (tx ?? this.#pool).unsafe(
        query.sql,
        params,
        params.length > 0 ? { prepare: true } : {},
      );
    } catch (error) {
      if (tx && connectionLost(error)) this.#broken = error;
      throw error;
    }
    if (!tx && !READ_ONLY.test(query.sql)) this.#onWrite();
    const { command, count } = result;
    return {
      numAffectedRows:
        command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE'
          ? BigInt(count)
          : undefined,
      // postgres.js results are arrays of row objects already.
      rows: result as unknown as R[],
    };
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0)
      throw new Error('chunkSize must be a positive integer');
    const target = this.#tx ?? this.#pool;
    for await (const rows of target
      .unsafe(query.sql, query.parameters as Params)
      .cursor(chunkSize)) {
      yield { rows: rows as unknown as R[] };
    }
  }

  /** Opens a transaction with postgres.js's `begin`, kept open until `finish`. */
  async begin(settings: TransactionSettings): Promise<void> {
    if (this.#tx) throw new Error('a transaction is already open on this connection');
    const mode = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ]
      .join(' ')
      .trim();
    let opened!: (tx: postgres.TransactionSql) => void;
    const open = new Promise<postgres.TransactionSql>((resolve) => (opened = resolve));
    const ended = new Promise<boolean>((resolve) => (this.#end = resolve));
    const done = this.#pool.begin(mode, async (tx) => {
      opened(tx);
      if (!(await ended)) throw ROLLBACK;
    });
    this.#done = done;
    this.#broken = null;
    // postgres.js rejects `begin` as soon as the transaction's connection closes.
    done.catch((error: unknown) => {
      if (error !== ROLLBACK && this.#done === done) this.#broken = error;
    });
    // begin() fails before the scope runs when no connection can be had or BEGIN fails.
    const early = done.then(() => {
      throw new Error('the transaction ended before it began');
    });
    early.catch(() => undefined);
    this.#tx = await Promise.race([open, early]);
  }

  /** COMMIT (true) or ROLLBACK (false) the open transaction; a no-op without one. */
  async finish(commit: boolean): Promise<void> {
    const end = this.#end;
    const done = this.#done;
    if (!end || !done) return;
    this.#end = null;
    this.#done = null;
    this.#tx = null;
    const broken = this.#broken;
    this.#broken = null;
    if (broken) {
      // The server ended the transaction with the connection. Sending ROLLBACK on it would write
      // to a closed socket (porsager/postgres#1208); the scope is left to be garbage-collected.
      if (commit) throw broken;
      return;
    }
    end(commit);
    try {
      await done;
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
    if (commit) this.#onWrite();
  }
}
