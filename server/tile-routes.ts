import { Hono, type Context } from 'hono';
import { sql } from 'kysely';
import { gunzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../schema/database';
import type { LayerDefinition } from '../tiles/catalog';
import { parseTileCoord, type TileCoord } from '../tiles/tile-coords';
import type { TileService } from '../tiles/tile-service';
import { z } from 'zod';
import { ApiError } from './errors';
import { scenarioId } from './params';
import { valid } from './validate';
import type { ScenarioRef } from '../tiles/scenario-sql';
import { assertLayersVisible, canSeeLayer } from './auth/layer-access';
import { principalOf, viewerOf } from './auth/principal';
import { findReadableScenarioRef } from './scenarios/scenario-store';
import { unionBbox } from '../tiles/bbox';

export interface TileRoutesOptions {
  tiles: TileService;
  db: Kysely<Database>;
  /** Reads that may lag a moment (TileJSON extents): a read replica when configured. */
  readDb?: Kysely<Database>;
  /** `Cache-Control` max-age for tiles; 0 means clients revalidate every time (cheap 304s). */
  maxAgeS: number;
  /** The origin for TileJSON's absolute URLs (ClientIdentity.origin; '' for root-relative). */
  origin: (c: Context) => string;
}

export const MVT_TYPE = 'application/vnd.mapbox-vector-tile';

/** `?scenario={id}`: the tile as the scenario has it (baseline + edits, and `changes`). */
const TileQuery = z.object({ scenario: scenarioId.optional() });

/**
 * `/tiles`: vector tiles, TileJSON and the layer catalogue.
 *   GET /catalog.json
 *   GET /{layer}.json              (also {a},{b}.json)
 *   GET /{layer}/{z}/{x}/{y}.mvt   (also {a},{b}/…)
 * Staff layers (issue #9) are checked against the caller before anything is read or cached:
 * a synchronous lookup on the catalogue, so the cache and ETags never answer for them.
 */
export function tileRoutes({ tiles, db, readDb = db, maxAgeS, origin }: TileRoutesOptions) {
  // Staff tiles may sit in the browser's cache, never in a shared one.
  const { shared: cacheControl, private: staffCacheControl } = tileCacheControl(maxAgeS);
  const extents = new ExtentCache(readDb);

  return new Hono()
    .get('/catalog.json', (c) => {
      const p = principalOf(c);
      c.header('Cache-Control', 'private, no-cache');
      c.header('Vary', 'Cookie, Authorization');
      return c.json({ layers: tiles.catalog.describe((l) => canSeeLayer(p, l)) });
    })
    .get('/:file', async (c) => {
      const file = c.req.param('file');
      if (!file.endsWith('.json')) throw new ApiError(404, 'not_found', 'expected {layer}.json');
      const layers = tiles.resolveLayers(file.slice(0, -'.json'.length));
      assertLayersVisible(principalOf(c), layers);
      const versions = await tiles.versions.current();
      const bounds = await extents.bounds(layers, versions);
      return c.json(tileJson(layers, origin(c), bounds));
    })
    .get('/:layers/:z/:x/:y', valid('query', TileQuery), async (c) => {
      // z/x/y are the tile domain's to parse (parseTileCoord: TileCoordError, 400).
      const { layers: spec, z, x, y } = c.req.param();
      if (!y.endsWith('.mvt')) throw new ApiError(404, 'not_found', 'tiles end in .mvt');
      const scenarioId = c.req.valid('query').scenario;
      const layers = tiles.resolveLayers(spec, scenarioId !== undefined);
      const coord = parseTileCoord(z, x, y.slice(0, -'.mvt'.length));
      // Who may see which layer (issue #9): a synchronous catalogue lookup, after the layers and
      // coordinates are parsed and before the plan, the caches (memory, disk, ETag) and the database.
      const principal = principalOf(c);
      assertLayersVisible(principal, layers);
      // `?scenario={id}`: baseline + the scenario's edits, and the `changes` layer (issue #5).
      let scenario: (ScenarioRef & { published: boolean }) | undefined;
      if (scenarioId !== undefined) {
        scenario =
          (await findReadableScenarioRef(db, scenarioId, viewerOf(principal))) ?? undefined;
        if (!scenario) throw new ApiError(404, 'not_found', 'no such scenario');
      }
      return tileResponse(tiles, layers, coord, c.req.raw.headers, {
        cacheControl:
          layers.some((l) => l.access !== 'public') || (scenario && !scenario.published)
            ? staffCacheControl
            : cacheControl,
        scenario,
      });
    });
}

/**
 * A tile as the tile routes answer it (also `/ogc/…/tiles`): 304 on a matching ETag, 204 when
 * empty, else MVT (gzip when the client accepts it). The caller checked access before: a 304 or
 * a cached body is only ever answered to a caller who may see every layer (and the scenario).
 * Staff tiles and a draft scenario's tiles get a private `cacheControl` from the caller.
 */
export async function tileResponse(
  tiles: TileService,
  layers: LayerDefinition[],
  coord: TileCoord,
  request: Headers,
  { cacheControl, scenario }: { cacheControl: string; scenario?: ScenarioRef },
): Promise<Response> {
  const plan =
    tiles.planNow(layers, coord, scenario) ?? (await tiles.plan(layers, coord, scenario));
  // Headers as a plain object: @hono/node-server writes them as they are (no Headers).
  const headers: Record<string, string> = { ETag: plan.etag, ...tileHeaders(cacheControl) };
  if (matchesEtag(request.get('If-None-Match') ?? undefined, plan.etag))
    return new Response(null, { status: 304, headers });
  const body = tiles.cachedTile(plan) ?? (await tiles.tile(plan));
  if (body.byteLength === 0) return new Response(null, { status: 204, headers });
  headers['Content-Type'] = MVT_TYPE;
  if (/\bgzip\b/.test(request.get('Accept-Encoding') ?? '')) {
    headers['Content-Encoding'] = 'gzip';
    return new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers });
  }
  return new Response(new Uint8Array(gunzipSync(body)), { status: 200, headers });
}

/** The headers of every tile answer besides its ETag and body headers. */
export function tileHeaders(cacheControl: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Cache-Control': cacheControl,
    Vary: 'Accept-Encoding',
  };
  // A shared cache in front (deploy/nginx.conf, issue #16) may keep public tiles, but already
  // expired (whatever max-age browsers get), so it revalidates every hit with the ETag and a
  // change is seen at once. nginx reads this header and strips it.
  if (cacheControl.startsWith('public')) headers['X-Accel-Expires'] = '@1';
  return headers;
}

/** `Cache-Control` of public tiles and of staff (or draft-scenario) tiles, for a max-age. */
export function tileCacheControl(maxAgeS: number): { shared: string; private: string } {
  return maxAgeS > 0
    ? { shared: `public, max-age=${maxAgeS}`, private: `private, max-age=${maxAgeS}` }
    : { shared: 'public, no-cache', private: 'private, no-cache' };
}

export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

type Bounds = [number, number, number, number];

function tileJson(layers: LayerDefinition[], origin: string, bounds: Bounds | null) {
  const names = layers.map((l) => l.name).join(',');
  const b = bounds ?? [-180, -85.0511, 180, 85.0511];
  return {
    tilejson: '3.0.0',
    name: names,
    description: layers.map((l) => l.description).join('; '),
    scheme: 'xyz',
    tiles: [`${origin}/tiles/${names}/{z}/{x}/{y}.mvt`],
    minzoom: Math.min(...layers.map((l) => l.minzoom)),
    maxzoom: Math.max(...layers.map((l) => l.maxzoom)),
    bounds: b,
    center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, Math.max(...layers.map((l) => l.minzoom), 13)],
    vector_layers: layers.map((l) => ({
      id: l.name,
      description: l.description,
      minzoom: l.minzoom,
      maxzoom: l.maxzoom,
      fields: Object.fromEntries(
        Object.entries(l.attributes).map(([k, a]) => [
          k,
          a.unit ? `${a.description} (${a.unit})` : a.description,
        ]),
      ),
    })),
  };
}

/** WGS84 extents of layers' data, recomputed only when a layer's version changes. */
class ExtentCache {
  readonly #cache = new Map<string, { version: string; bounds: Bounds | null }>();
  constructor(private readonly db: Kysely<Database>) {}

  async bounds(
    layers: LayerDefinition[],
    versions: ReadonlyMap<string, string>,
  ): Promise<Bounds | null> {
    let out: Bounds | null = null;
    for (const layer of layers) {
      const version = versions.get(layer.versionKey) ?? '0';
      let entry = this.#cache.get(layer.name);
      if (!entry || entry.version !== version) {
        entry = { version, bounds: await this.#query(layer) };
        this.#cache.set(layer.name, entry);
      }
      out = unionBbox(out, entry.bounds);
    }
    return out;
  }

  async #query(layer: LayerDefinition): Promise<Bounds | null> {
    const { rows } = await sql<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>`
      SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
      FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 3857), 4326) AS e
            FROM ${sql.table(layer.table)}) AS s`.execute(this.db);
    const r = rows[0];
    if (!r || r.xmin === null) return null;
    const round = (v: number) => Math.round(v * 1e6) / 1e6;
    return [round(r.xmin), round(r.ymin), round(r.xmax), round(r.ymax)];
  }
}
