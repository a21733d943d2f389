import { mkdirSync } from 'node:fs';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import postgres from 'postgres';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { redactUrl } from '../config';
import { guardPostgresJsNullSocket } from './postgres-js-guard';
import { NO_DELAY } from './no-delay-socket';
import { copyText } from './copy-in';
import { PostgresJsDialect } from './postgres-js-dialect';
import type { Database } from '../../schema/database';
import { quoteIdent } from '../../schema/sql';
import { ReplicaSet } from './replicas';

/**
 * What differs between the two backends, detected once at start-up. Nothing outside this
 * module branches on which backend is in use; it branches on these capabilities.
 */
export interface Capabilities {
  /** `ST_AsMVT` / `ST_AsMVTGeom` work (PostGIS built with protobuf-c). */
  mvt: boolean;
  /** NOTIFY reaches listeners in other processes (a real server, not the embedded one). */
  crossProcessNotify: boolean;
  /** Other sessions keep working while one long transaction runs (PGlite runs one at a time). */
  concurrentTransactions: boolean;
  /** Bulk load with COPY FROM STDIN. */
  copy: boolean;
}

/** A minimal transaction handle for multi-statement scripts (migrations). */
export interface ScriptTransaction {
  exec(script: string): Promise<void>;
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * Bulk-loads COPY text (tab-separated, `\N` for null, one row per line) into `table (columns)`:
   * COPY FROM STDIN on PostgreSQL, COPY from a blob on PGlite. Names must come from an allow-list.
   */
  copyIn(table: string, columns: readonly string[], text: string): Promise<void>;
}

/** `COPY "t" ("a", "b")`: identifiers quoted; callers pass allow-listed names only. */
function copyTarget(table: string, columns: readonly string[]): string {
  return `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')})`;
}

export interface Backend {
  readonly kind: 'postgres' | 'pglite';
  /** The query layer for everything. */
  readonly db: Kysely<Database>;
  /**
   * Queries that must obey the per-tile statement timeout: the same database as `db`, on a pool
   * whose connections carry `statement_timeout`.
   */
  readonly tileDb: Kysely<Database>;
  /**
   * Reads that may lag a moment (issue #16): a streaming replica of `DATABASE_READ_URL` when one
   * is configured and usable, else the same database as `db` / `tileDb`.
   */
  readonly readDb: Kysely<Database>;
  readonly readTileDb: Kysely<Database>;
  /** The read replicas and their lag; undefined without `DATABASE_READ_URL`. */
  readonly replicas?: ReplicaSet;
  readonly caps: Capabilities;
  /** Where the data lives, fit for logs (no password). */
  readonly description: string;
  /** The embedded database's directory on disk; undefined in memory and on PostgreSQL. */
  readonly dataDir?: string;
  /** Runs `fn` in one transaction on one connection; scripts may hold many statements. */
  scriptTransaction<T>(fn: (tx: ScriptTransaction) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function. `onListen` is called
   * each time the subscription is (re)established: notifications sent while it was down are lost.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onListen?: () => void,
  ): Promise<() => Promise<void>>;
  /**
   * Registers a callback run after this process wrote through `db` (a COMMIT, or any statement
   * but a SELECT outside a transaction) or committed a script transaction.
   */
  onWrite(listener: () => void): void;
  close(): Promise<void>;
}

/** The extensions every embedded database loads (the migrations create them). */
export const PGLITE_EXTENSIONS = { postgis, pg_trgm };

export interface BackendOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  tileTimeoutMs: number;
  /** `DATABASE_READ_URL`: streaming replicas of `databaseUrl` (PostgreSQL only). */
  readUrls?: string[];
  /** A replica further behind than this, seconds, is skipped (reads go to the primary). */
  maxReplicaLagS?: number;
  onProgress?: (message: string) => void;
}

/** Opens the configured database: PostgreSQL when a URL is given, embedded PGlite otherwise. */
export async function openBackend(options: BackendOptions): Promise<Backend> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options)
    : openPglite(options.dataDir, options.onProgress);
}

/** Write listeners of one backend: called after a write; a throwing listener is skipped. */
function writeHooks() {
  const listeners: (() => void)[] = [];
  return {
    add: (l: () => void) => void listeners.push(l),
    fire: () => {
      for (const l of listeners) {
        try {
          l();
        } catch {
          // A cache's bookkeeping must never fail a query.
        }
      }
    },
  };
}

async function openPostgres(url: string, options: BackendOptions): Promise<Backend> {
  guardPostgresJsNullSocket();
  const writes = writeHooks();
  const common = { ...NO_DELAY, onnotice: () => {}, connect_timeout: 10, idle_timeout: 60 };
  const client = postgres(url, { ...common, max: options.poolSize });
  const tileClient = postgres(url, {
    ...common,
    max: options.poolSize,
    connection: { statement_timeout: options.tileTimeoutMs },
  });
  const dialect = new PostgresJsDialect(client, { onWrite: writes.fire });
  const tileDialect = new PostgresJsDialect(tileClient);
  const db = new Kysely<Database>({ dialect });
  const tileDb = new Kysely<Database>({ dialect: tileDialect });
  try {
    await client`SELECT 1`;
  } catch (error) {
    await Promise.all([client.end(), tileClient.end()]);
    throw new Error(`cannot connect to ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // PostGIS must exist before its capabilities can be probed; the first migration also creates
  // it, but detection runs first. Without the privilege this fails here and clearly in migrate.
  await client`CREATE EXTENSION IF NOT EXISTS postgis`.catch(() => undefined);
  const caps: Capabilities = {
    mvt: await detectMvt(db),
    crossProcessNotify: true,
    copy: true,
    concurrentTransactions: true,
  };
  const readUrls = options.readUrls ?? [];
  const replicas =
    readUrls.length > 0
      ? new ReplicaSet({
          primary: client,
          primaryDialect: dialect,
          primaryTileDialect: tileDialect,
          maxLagS: options.maxReplicaLagS ?? 30,
          replicas: readUrls.map((u) => ({
            url: u,
            sql: postgres(u, { ...common, max: options.poolSize }),
            tileSql: postgres(u, {
              ...common,
              max: options.poolSize,
              connection: { statement_timeout: options.tileTimeoutMs },
            }),
          })),
        })
      : undefined;
  await replicas?.start();
  return {
    kind: 'postgres',
    db,
    tileDb,
    readDb: replicas?.readDb ?? db,
    readTileDb: replicas?.readTileDb ?? tileDb,
    replicas,
    caps,
    description: `PostgreSQL at ${redactUrl(url)}`,
    scriptTransaction: async (fn) => {
      const result = await client.begin((tx) =>
        fn({
          exec: async (script) => {
            await tx.unsafe(script);
          },
          query: async <R>(text: string, params: unknown[] = []) =>
            (await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as R[],
          copyIn: (table, columns, text) =>
            copyText(tx, `${copyTarget(table, columns)} FROM STDIN`, text),
        }),
      );
      writes.fire();
      return result as Awaited<ReturnType<typeof fn>>;
    },
    listen: async (channel, onPayload, onListen) => {
      const { unlisten } = await client.listen(channel, onPayload, onListen);
      return unlisten;
    },
    onWrite: writes.add,
    close: async () => {
      // A connection wedged by a server restart (porsager/postgres#1208) never drains; give
      // queries 5 s, then close the sockets.
      await replicas?.close();
      await Promise.all([client.end({ timeout: 5 }), tileClient.end({ timeout: 5 })]);
      await Promise.all([db.destroy(), tileDb.destroy()]);
    },
  };
}

async function openPglite(
  dataDir: string,
  onProgress: (message: string) => void = () => {},
): Promise<Backend> {
  const started = Date.now();
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  onProgress(`opening embedded PostgreSQL + PostGIS in ${dataDir} (the first start takes ~20 s)`);
  const pg = await PGlite.create({ dataDir, extensions: PGLITE_EXTENSIONS });
  const backend = await pgliteBackend(pg, inMemory ? 'memory' : dataDir, started, onProgress);
  return inMemory ? backend : { ...backend, dataDir };
}

/** Wraps an open PGlite instance (tests open theirs from a template). */
export async function pgliteBackend(
  pg: PGlite,
  where: string,
  started = Date.now(),
  onProgress: (message: string) => void = () => {},
): Promise<Backend> {
  await pg.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  onProgress(`embedded database ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pg) });
  // PGlite runs one statement at a time in this process and cannot interrupt one, so the tile
  // timeout is not enforced here; the feature cap still bounds each tile's work.
  const caps: Capabilities = {
    mvt: await detectMvt(db),
    crossProcessNotify: false,
    copy: true,
    concurrentTransactions: false,
  };
  return {
    kind: 'pglite',
    db,
    tileDb: db,
    readDb: db,
    readTileDb: db,
    caps,
    description: `embedded PGlite + PostGIS (${where})`,
    scriptTransaction: (fn) =>
      pg.transaction((tx) =>
        fn({
          exec: async (script) => {
            await tx.exec(script);
          },
          query: async <R>(text: string, params: unknown[] = []) =>
            (await tx.query<R>(text, params)).rows,
          copyIn: async (table, columns, text) => {
            await tx.query(`${copyTarget(table, columns)} FROM '/dev/blob'`, [], {
              blob: new Blob([text]),
            });
          },
        }),
      ),
    // PGlite is this process: a NOTIFY reaches listeners before the query that sent it returns.
    listen: async (channel, onPayload, onListen) => {
      const unlisten = await pg.listen(channel, onPayload);
      onListen?.();
      return unlisten;
    },
    onWrite: () => {},
    close: async () => {
      await db.destroy();
    },
  };
}

/** ST_AsMVT exists in every PostGIS ≥ 2.4 but fails at run time without protobuf-c. */
async function detectMvt(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`SELECT ST_AsMVT(q, 'probe') FROM (
      SELECT 1 AS id, ST_AsMVTGeom(ST_Point(0, 0, 3857), ST_TileEnvelope(0, 0, 0)) AS geom) q`.execute(
      db,
    );
    return true;
  } catch {
    return false;
  }
}
