import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type TransactionSettings,
} from 'kysely';
import type postgres from 'postgres';
import { redactUrl } from '../config';
import { PostgresJsDialect } from './postgres-js-dialect';
import type { Database } from '../../schema/database';

/** One read replica as /healthz and /metrics show it. */
export interface ReplicaStatus {
  /** host:port/db, no password. */
  name: string;
  /** Answered the last check, is in recovery (a standby) and within the allowed lag. */
  usable: boolean;
  /** Seconds since the last replayed transaction when WAL is outstanding; 0 when caught up. */
  lagSeconds: number | null;
  /** WAL bytes the primary has written that the replica has not replayed yet. */
  lagBytes: number | null;
  error?: string;
}

interface Replica {
  name: string;
  sql: postgres.Sql;
  tileSql: postgres.Sql;
  driver: Driver;
  tileDriver: Driver;
  status: ReplicaStatus;
}

/**
 * Streaming read replicas (`DATABASE_READ_URL`, issue #16). Reads that may lag a moment —
 * baseline tiles, TileJSON, features, labels, sensor history — go through `readDb` /
 * `readTileDb`, which hand each connection to the next usable replica in turn, and to the
 * primary when none is usable (down, not a standby, or lagging more than `maxLagS`). Writes and
 * read-your-own-writes (scenarios, sessions, everything else) stay on the primary's `db`.
 * Replication lag is checked every `checkMs` against the primary's WAL position.
 */
export class ReplicaSet {
  readonly readDb: Kysely<Database>;
  readonly readTileDb: Kysely<Database>;
  readonly #replicas: Replica[];
  readonly #primary: postgres.Sql;
  readonly #maxLagS: number;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(options: {
    primary: postgres.Sql;
    /** The primary's dialects (their drivers share its pools): where reads fall back. */
    primaryDialect: Dialect;
    primaryTileDialect: Dialect;
    replicas: { url: string; sql: postgres.Sql; tileSql: postgres.Sql }[];
    maxLagS: number;
  }) {
    this.#primary = options.primary;
    this.#maxLagS = options.maxLagS;
    this.#replicas = options.replicas.map((r) => ({
      name: redactUrl(r.url).replace(/^postgres(ql)?:\/\/([^@]*@)?/, ''),
      sql: r.sql,
      tileSql: r.tileSql,
      driver: new PostgresJsDialect(r.sql).createDriver(),
      tileDriver: new PostgresJsDialect(r.tileSql).createDriver(),
      status: {
        name: '',
        usable: false,
        lagSeconds: null,
        lagBytes: null,
        error: 'not checked yet',
      },
    }));
    for (const r of this.#replicas) r.status.name = r.name;
    const usable = () => this.#replicas.map((r) => r.status.usable);
    // Reads fall back to the primary's own pools: the same drivers its Kysely instances use.
    this.readDb = new Kysely<Database>({
      dialect: routingDialect(
        this.#replicas.map((r) => r.driver),
        usable,
        options.primaryDialect.createDriver(),
      ),
    });
    this.readTileDb = new Kysely<Database>({
      dialect: routingDialect(
        this.#replicas.map((r) => r.tileDriver),
        usable,
        options.primaryTileDialect.createDriver(),
      ),
    });
  }

  /** Checks every replica now, then every `checkMs` in the background. */
  async start(checkMs = 1000): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), checkMs);
    this.#timer.unref();
  }

  status(): ReplicaStatus[] {
    return this.#replicas.map((r) => ({ ...r.status }));
  }

  /** One round of lag checks (concurrent callers share it). */
  check(): Promise<void> {
    this.#checking ??= this.#checkAll().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #checkAll(): Promise<void> {
    await Promise.all(this.#replicas.map((r) => this.#checkOne(r)));
  }

  async #checkOne(r: Replica): Promise<void> {
    try {
      const [row] = await withTimeout(
        r.sql<{ standby: boolean; replay: string | null; since: number | null }[]>`
          SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay,
                 EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS since`,
        2000,
      );
      if (!row!.standby || row!.replay === null) {
        r.status = {
          name: r.name,
          usable: false,
          lagSeconds: null,
          lagBytes: null,
          error: 'not a standby',
        };
        return;
      }
      const [p] = await withTimeout(
        this.#primary<
          { bytes: string }[]
        >`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ${row!.replay}::pg_lsn)::text AS bytes`,
        2000,
      );
      const lagBytes = Math.max(0, Number(p!.bytes));
      const lagSeconds = lagBytes === 0 ? 0 : Math.max(0, row!.since ?? 0);
      r.status = { name: r.name, usable: lagSeconds <= this.#maxLagS, lagSeconds, lagBytes };
    } catch (error) {
      r.status = {
        name: r.name,
        usable: false,
        lagSeconds: null,
        lagBytes: null,
        error: (error as Error).message.slice(0, 200),
      };
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(
      this.#replicas.flatMap((r) => [r.sql.end({ timeout: 5 }), r.tileSql.end({ timeout: 5 })]),
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A dialect whose connections come from the next usable target, else from `fallback`. */
function routingDialect(targets: Driver[], usable: () => boolean[], fallback: Driver): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new RoutingDriver(targets, usable, fallback),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

class RoutingDriver implements Driver {
  readonly #owner = new WeakMap<DatabaseConnection, Driver>();
  #next = 0;
  constructor(
    private readonly targets: Driver[],
    private readonly usable: () => boolean[],
    private readonly fallback: Driver,
  ) {}

  async init(): Promise<void> {
    for (const t of [...this.targets, this.fallback]) await t.init();
  }

  #pick(): Driver {
    const ok = this.usable();
    for (let i = 0; i < this.targets.length; i++) {
      const k = (this.#next + i) % this.targets.length;
      if (ok[k]) {
        this.#next = k + 1;
        return this.targets[k]!;
      }
    }
    return this.fallback;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const driver = this.#pick();
    const connection = await driver.acquireConnection();
    this.#owner.set(connection, driver);
    return connection;
  }

  #of(c: DatabaseConnection): Driver {
    return this.#owner.get(c) ?? this.fallback;
  }

  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.#of(c).beginTransaction(c, s);
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.#of(c).commitTransaction(c);
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.#of(c).rollbackTransaction(c);
  }

  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.#of(c).releaseConnection(c);
  }

  /** The pools belong to the replica set and the primary backend; they close them. */
  async destroy(): Promise<void> {}
}
