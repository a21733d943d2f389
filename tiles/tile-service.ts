import { constants, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../schema/database';
import { TILE_EXTENT, type LayerCatalog, type LayerDefinition } from './catalog';
import { encodeMvt, type PropertyValue, type TileFeature, type TileLayer } from './mvt-encoder';
import { TileCache } from './tile-cache';
import { TileCoordError, type TileCoord } from './tile-coords';
import { toTileGeometry } from './tile-geometry';
import { featureRowsSql, mvtLayerSql } from './tile-sql';
import { LayerVersions, type VersionSignals } from './layer-versions';
import { TileQueryCache } from './tile-query-cache';
import type { TileDiskCache } from './tile-disk-cache';
import { readWkb } from './wkb';
import { CHANGES_LAYER, scenarioSource, type ScenarioRef } from './scenario-sql';
import { twinError } from '../common/twin-error';

const gzipAsync = promisify(gzip);

/**
 * zlib level 1: on vector tiles it costs under half of the default level 6 for 3–5 % more bytes
 * (measured on demo-city tiles; docs/performance.md).
 */
const GZIP = { level: constants.Z_BEST_SPEED };
/**
 * Tiles up to this size (uncompressed) are gzipped in line (≈ 0.1 ms at level 1); starting a
 * threadpool job costs more than that. Larger ones go to the threadpool, off the event loop.
 */
const INLINE_GZIP_BYTES = 32 * 1024;

/** gzip-compresses a built tile (empty stays empty). */
export async function compressTile(raw: Uint8Array): Promise<Uint8Array> {
  if (raw.byteLength === 0) return raw;
  const out =
    raw.byteLength <= INLINE_GZIP_BYTES ? gzipSync(raw, GZIP) : await gzipAsync(raw, GZIP);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** A layer name the catalogue does not hold (404). */
export class UnknownLayerError extends twinError('UnknownLayerError', 404, 'not_found') {}

/** A tile the database did not build in time (503 + Retry-After). */
export class TileTimeoutError extends twinError('TileTimeoutError', 503, 'timeout') {}

/** Hooks for metrics; the tile code knows nothing of Prometheus. */
export interface TileObserver {
  built(layers: string, z: number, seconds: number): void;
  capped(layer: string, z: number): void;
  cache(hit: boolean): void;
}

export interface TileServiceOptions {
  /** Compiles and runs tile SQL (its plugins see every statement). */
  db: Kysely<Database>;
  /**
   * Read replicas (issue #16): baseline tiles are built there when the replica has replayed the
   * layer versions of the plan (checked on the same connection first), else on `db`.
   */
  replicaDb?: Kysely<Database>;
  catalog: LayerCatalog;
  /** Encode with ST_AsMVT in the database; otherwise select rows and encode in JavaScript. */
  useMvt: boolean;
  cacheBytes: number;
  maxFeatures: number;
  /** Distinguishes databases in ETags (`twin_meta.instance_id`). */
  instanceId: string;
  observer?: TileObserver;
  /**
   * LISTEN and own-write signals, so layer versions are read only when something changed
   * (tiles/layer-versions.ts); without them every burst of requests reads them.
   */
  signals?: VersionSignals;
  /** Built baseline tiles kept on disk across restarts (the embedded database). */
  disk?: TileDiskCache;
}

/** A tile request resolved against the catalogue and the current layer versions. */
export interface TilePlan {
  layers: LayerDefinition[];
  coord: TileCoord;
  etag: string;
  /** The layer versions the ETag was derived from. */
  versions: ReadonlyMap<string, string>;
  /** Baseline + this scenario's edits (issue #5); its id and version are part of the ETag. */
  scenario?: ScenarioRef;
}

export class TileService {
  readonly catalog: LayerCatalog;
  readonly cache: TileCache;
  readonly versions: LayerVersions;
  readonly disk: TileDiskCache | undefined;
  readonly #options: TileServiceOptions;
  readonly #run: <R>(query: CompiledQuery<R>, db?: Kysely<Database>) => Promise<R[]>;
  /** Baseline tiles built on a replica, and those built on the primary because it lagged. */
  readonly replicaBuilds = { replica: 0, primary: 0 };
  readonly #queries = new TileQueryCache();

  constructor(options: TileServiceOptions) {
    this.#options = options;
    this.catalog = options.catalog;
    this.cache = new TileCache(options.cacheBytes);
    this.disk = options.disk;
    this.#run = async (q, db = options.db) => (await db.executeQuery(q)).rows;
    this.versions = new LayerVersions(options.db, this.#run, { signals: options.signals });
  }

  /** `buildings,roads` → definitions, deduplicated in request order; unknown names throw. */
  resolveLayers(spec: string, withScenario = false): LayerDefinition[] {
    const names = [...new Set(spec.split(','))];
    const layers = names.map(
      (n) =>
        this.catalog.get(n) ??
        (withScenario && n === CHANGES_LAYER.name ? CHANGES_LAYER : undefined),
    );
    const unknown = names.filter((_, i) => !layers[i]);
    if (unknown.length > 0 || names.length === 0) {
      // Never echo the raw request: names are reported only after a strict shape check.
      const shown = unknown.filter((n) => /^[a-z0-9_]{1,64}$/.test(n));
      throw new UnknownLayerError(
        shown.length === unknown.length ? `unknown layer: ${shown.join(', ')}` : 'unknown layer',
      );
    }
    return layers as LayerDefinition[];
  }

  /**
   * Keeps the layers whose zoom range holds z; a request where none does is a bad request.
   * Then reads the layer versions and derives the ETag, without building anything.
   */
  async plan(
    layers: LayerDefinition[],
    coord: TileCoord,
    scenario?: ScenarioRef,
  ): Promise<TilePlan> {
    const inRange = this.#inRange(layers, coord);
    return this.#planWith(inRange, coord, await this.versions.current(), scenario);
  }

  /**
   * The plan without waiting, when the layer versions are kept in memory (the usual case with
   * signals); undefined otherwise. Throws like `plan` for a zoom outside every layer's range.
   */
  planNow(
    layers: LayerDefinition[],
    coord: TileCoord,
    scenario?: ScenarioRef,
  ): TilePlan | undefined {
    const versions = this.versions.cached();
    return versions && this.#planWith(this.#inRange(layers, coord), coord, versions, scenario);
  }

  #inRange(layers: LayerDefinition[], coord: TileCoord): LayerDefinition[] {
    const inRange = layers.filter((l) => coord.z >= l.minzoom && coord.z <= l.maxzoom);
    if (inRange.length === 0) {
      const ranges = layers.map((l) => `${l.name} ${l.minzoom}–${l.maxzoom}`).join(', ');
      throw new TileCoordError(`z=${coord.z} is outside the layers' zoom range (${ranges})`);
    }
    return inRange;
  }

  #planWith(
    inRange: LayerDefinition[],
    coord: TileCoord,
    versions: ReadonlyMap<string, string>,
    scenario?: ScenarioRef,
  ): TilePlan {
    const parts = inRange.map((l) => `${l.name}=${versions.get(l.versionKey) ?? '0'}`);
    const scen = scenario ? `:s=${scenario.id}@${scenario.version}` : '';
    const etag = `"${this.#options.instanceId.slice(0, 8)}:${parts.join('+')}${scen}:${coord.z}/${coord.x}/${coord.y}"`;
    return { layers: inRange, coord, etag, versions, scenario };
  }

  /** The tile when it is in memory (counted as a cache hit), without waiting; else undefined. */
  cachedTile(plan: TilePlan): Uint8Array | undefined {
    const body = this.cache.get(plan.etag);
    if (body === undefined) return undefined;
    this.cache.hits++;
    this.#options.observer?.cache(true);
    return body;
  }

  /** The gzip-compressed tile (empty when no feature falls in it), from cache or built once. */
  async tile(plan: TilePlan): Promise<Uint8Array> {
    const observer = this.#options.observer;
    let built = false;
    // Scenario tiles change with every edit; only baseline tiles go to disk.
    const disk = plan.scenario ? undefined : this.#options.disk;
    const body = await this.cache.getOrBuild(plan.etag, async () => {
      const stored = await disk?.get(plan.etag);
      if (stored) return stored;
      built = true;
      const started = performance.now();
      const raw =
        (plan.scenario ? undefined : await this.#buildOnReplica(plan)) ??
        (await this.build(plan.layers, plan.coord, this.#options.useMvt, plan.scenario));
      const body = await compressTile(raw);
      const names = plan.layers.map((l) => l.name).join(',');
      observer?.built(names, plan.coord.z, (performance.now() - started) / 1000);
      if (disk) void disk.put(plan.etag, body);
      return body;
    });
    observer?.cache(!built);
    return body;
  }

  /**
   * Builds, one after the other, the tiles that are on neither memory nor disk yet (the embedded
   * database does one query at a time anyway); returns how many were built.
   */
  async warm(tiles: { layers: LayerDefinition[]; coord: TileCoord }[]): Promise<number> {
    let built = 0;
    for (const t of tiles) {
      const plan = await this.plan(t.layers, t.coord);
      if (this.cache.get(plan.etag) !== undefined || (await this.#options.disk?.has(plan.etag)))
        continue;
      await this.tile(plan);
      built++;
    }
    return built;
  }

  /**
   * A baseline tile from a read replica, when one is configured and has replayed at least the
   * plan's layer versions (so its data is never older than the ETag says); else undefined.
   */
  async #buildOnReplica(plan: TilePlan): Promise<Uint8Array | undefined> {
    const replica = this.#options.replicaDb;
    if (!replica) return undefined;
    const keys = [...new Set(plan.layers.map((l) => l.versionKey))];
    const built = await replica.connection().execute(async (conn) => {
      const rows = await this.#run(
        conn
          .selectFrom('layer_versions')
          .select(['layer', 'version'])
          .where('layer', 'in', keys)
          .compile(),
        conn,
      );
      const there = new Map(rows.map((r) => [r.layer, BigInt(r.version)]));
      const caughtUp = keys.every(
        (k) => (there.get(k) ?? 0n) >= BigInt(plan.versions.get(k) ?? '0'),
      );
      return caughtUp
        ? this.build(plan.layers, plan.coord, this.#options.useMvt, undefined, conn)
        : undefined;
    });
    this.replicaBuilds[built ? 'replica' : 'primary']++;
    return built;
  }

  /** Builds the uncompressed MVT; exposed so tests can compare both encoding paths. */
  async build(
    layers: LayerDefinition[],
    coord: TileCoord,
    useMvt = this.#options.useMvt,
    scenario?: ScenarioRef,
    db: Kysely<Database> = this.#options.db,
  ): Promise<Uint8Array> {
    try {
      const parts = useMvt
        ? await Promise.all(layers.map((l) => this.#buildWithPostgis(l, coord, scenario, db)))
        : [encodeMvt(await this.#layersInJs(layers, coord, scenario, db))];
      return concat(parts);
    } catch (error) {
      if ((error as { code?: string }).code === '57014') {
        throw new TileTimeoutError('the tile took too long to build', { cause: error });
      }
      throw error;
    }
  }

  async #buildWithPostgis(
    layer: LayerDefinition,
    coord: TileCoord,
    scenario: ScenarioRef | undefined,
    db: Kysely<Database>,
  ): Promise<Uint8Array> {
    const { maxFeatures } = this.#options;
    const source = scenario && scenarioSource(layer, scenario.id);
    // Baseline tiles: the statement of this layer and zoom compiled once, x and y bound per tile.
    const query = source
      ? mvtLayerSql(layer, coord, maxFeatures, source).compile(db)
      : this.#queries.get(layer, coord, (c) => mvtLayerSql(layer, c, maxFeatures).compile(db));
    const rows = await this.#run(query, db);
    return rows[0]?.mvt ?? new Uint8Array(0);
  }

  async #layersInJs(
    layers: LayerDefinition[],
    coord: TileCoord,
    scenario: ScenarioRef | undefined,
    db: Kysely<Database>,
  ): Promise<TileLayer[]> {
    const { maxFeatures, observer } = this.#options;
    const out: TileLayer[] = [];
    for (const layer of layers) {
      const source = scenario && scenarioSource(layer, scenario.id);
      const rows = await this.#run(
        featureRowsSql(layer, coord, maxFeatures, source).compile(db),
        db,
      );
      if (rows.length >= maxFeatures) observer?.capped(layer.name, coord.z);
      const features: TileFeature[] = [];
      for (const row of rows) {
        if (!row.wkb) continue;
        const geometry = toTileGeometry(readWkb(row.wkb), layer.geometry);
        if (!geometry) continue;
        const properties: Record<string, PropertyValue | null> = {};
        for (const name of Object.keys(layer.attributes)) {
          properties[name] = toPropertyValue(row[name]);
        }
        features.push({ id: Number(row.id), geometry, properties });
      }
      out.push({ name: layer.name, extent: TILE_EXTENT, features });
    }
    return out;
  }
}

function toPropertyValue(value: unknown): PropertyValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  return String(value);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
