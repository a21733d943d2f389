import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database';
import { DEMO_LAYERS, generateDemoCity } from './demo-city';
import { idOffsets, INSERTS, toRow } from './demo-inserts';

/** The demo city everyone sees by default: seed 42 around Utrecht's centre. */
export const DEFAULT_DEMO_SEED = 42;
/** [longitude, latitude], degrees. */
export const DEFAULT_DEMO_CENTER: [number, number] = [5.1214, 52.0907];

/** Rows per INSERT; one JSON parameter of ~1–2 MB each. */
const BATCH_SIZE = 2000;

export interface SeedDemoOptions {
  seed: number;
  /** [longitude, latitude] of the city centre, degrees. */
  center: [number, number];
  /**
   * How many cities (`TWIN_DEMO_SCALE`, default 1): scale n lays n cities of seeds seed, seed+1, …
   * in a grid 9 km apart around `center`, their road networks joined by links between
   * neighbours — scale 10 ≈ 250,000 buildings and 70,000 road links, for benchmarks.
   */
  scale?: number;
  /** Short human progress messages, e.g. "demo city: buildings 20000/24312". */
  onProgress?: (message: string) => void;
}

export interface SeedDemoResult {
  datasetId: string;
  /** Rows inserted per table. */
  counts: Record<string, number>;
}

/**
 * Generates the demo city and stores it as one `datasets` row plus all its layers, in a single
 * transaction so a failed seed leaves nothing behind. Ids keep the generator's numbering
 * (shifted past any rows already present) and the identity sequences are moved past them, so
 * later inserts without an id work.
 */
export async function seedDemoCity(
  db: Kysely<Database>,
  { seed, center, scale = 1, onProgress = () => {} }: SeedDemoOptions,
): Promise<SeedDemoResult> {
  const copies = demoCopies(seed, center, scale);
  const counts: Record<string, number> = Object.fromEntries(DEMO_LAYERS.map((layer) => [layer, 0]));
  const datasetId = await db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('datasets')
      .values({
        name: 'Demo city (synthetic)',
        source:
          `data/demo-city generator, seed ${seed}, centre ${center[0]},${center[1]}` +
          (scale > 1 ? `, scale ${scale}` : ''),
        licence: 'CC0-1.0',
        synthetic: true,
        feature_count: 0,
        attributes: JSON.stringify({
          generator: 'data/demo-city',
          seed,
          center,
          ...(scale > 1 ? { scale } : {}),
        }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const datasetId = String(id);
    const nodeRanges: [number, number][] = [];
    for (const [i, copy] of copies.entries()) {
      const label = copies.length > 1 ? ` ${i + 1}/${copies.length}` : '';
      onProgress(`demo city${label}: generating (seed ${copy.seed})`);
      const city = generateDemoCity(copy);
      const offsets = await idOffsets(trx);
      for (const layer of DEMO_LAYERS) {
        const features = city[layer];
        counts[layer]! += features.length;
        for (let start = 0; start < features.length; start += BATCH_SIZE) {
          const rows = features
            .slice(start, start + BATCH_SIZE)
            .map((f) => toRow(layer, f, offsets));
          await INSERTS[layer](JSON.stringify(rows), datasetId).execute(trx);
          const done = Math.min(start + BATCH_SIZE, features.length);
          onProgress(`demo city${label}: ${layer} ${done}/${features.length}`);
        }
        await sql`SELECT setval(pg_get_serial_sequence(${layer}, 'id'),
          (SELECT max(id) FROM ${sql.table(layer)}))`.execute(trx);
      }
      const nodes = city.road_nodes.map((n) => n.id + offsets.road_nodes);
      nodeRanges.push([Math.min(...nodes), Math.max(...nodes)]);
    }
    counts.road_links! += await joinNeighbours(trx, copies, nodeRanges, datasetId);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    await trx
      .updateTable('datasets')
      .set({ feature_count: total })
      .where('id', '=', datasetId)
      .execute();
    return datasetId;
  });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  onProgress(`demo city: ${total} features stored as dataset ${datasetId}`);
  return { datasetId, counts };
}

/** Metres between the centres of neighbouring cities (each is about 8 km across). */
const CITY_SPACING_M = 9000;

/** The cities of a scale: a grid as square as possible, the first at `center`. */
export function demoCopies(
  seed: number,
  center: [number, number],
  scale: number,
): { seed: number; center: [number, number]; col: number; row: number }[] {
  const cols = Math.ceil(Math.sqrt(scale));
  const [lon, lat] = center;
  const dLon = CITY_SPACING_M / (111_320 * Math.cos((lat * Math.PI) / 180));
  const dLat = CITY_SPACING_M / 110_574;
  return Array.from({ length: scale }, (_, i) => {
    const col = i % cols;
    const row = Math.floor(i / cols);
    return {
      seed: seed + i,
      center: [lon + col * dLon, lat - row * dLat] as [number, number],
      col,
      row,
    };
  });
}

/** Joins between neighbouring cities, spread along their facing edges (see joinNeighbours). */
const JOINS_PER_EDGE = 12;
/** Half the length of the facing edge the joins are spread over (a city is about 8 km across). */
const JOIN_SPREAD_M = 3600;

/**
 * Links joining a city to its right and lower neighbours, as a conurbation's street grids meet:
 * JOINS_PER_EDGE two-way arterials spread along the facing edges, each from the node of the one
 * city nearest a point of the edge to the other city's node nearest it (three near the middle
 * made the few links between cities carry every trip between them, v/c above 10).
 */
async function joinNeighbours(
  trx: Kysely<Database>,
  copies: { center: [number, number]; col: number; row: number }[],
  ranges: [number, number][],
  datasetId: string,
): Promise<number> {
  let added = 0;
  for (const [i, a] of copies.entries()) {
    for (const [j, b] of copies.entries()) {
      const right = b.row === a.row && b.col === a.col + 1;
      const below = b.col === a.col && b.row === a.row + 1;
      if (!right && !below) continue;
      const mid = [(a.center[0] + b.center[0]) / 2, (a.center[1] + b.center[1]) / 2] as const;
      const mPerLon = 111_320 * Math.cos((mid[1] * Math.PI) / 180);
      for (let k = 0; k < JOINS_PER_EDGE; k++) {
        const t = (JOIN_SPREAD_M * (2 * k - (JOINS_PER_EDGE - 1))) / (JOINS_PER_EDGE - 1);
        // Along the edge: north–south between left and right neighbours, east–west otherwise.
        const lon = right ? mid[0] : mid[0] + t / mPerLon;
        const lat = right ? mid[1] + t / 110_574 : mid[1];
        const { rows } = await sql<{ n: number }>`WITH p AS (
            SELECT ST_Transform(ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326), 3857) AS g
          ), a AS (
            SELECT n.id, n.geom FROM road_nodes n, p
            WHERE n.id BETWEEN ${ranges[i]![0]}::bigint AND ${ranges[i]![1]}::bigint
            ORDER BY n.geom <-> p.g LIMIT 1
          ), b AS (
            SELECT n.id, n.geom FROM road_nodes n, a
            WHERE n.id BETWEEN ${ranges[j]![0]}::bigint AND ${ranges[j]![1]}::bigint
            ORDER BY n.geom <-> a.geom LIMIT 1
          ), ins AS (
            INSERT INTO road_links (from_node, to_node, geom, class, name, lanes, speed_limit_kmh,
              capacity_veh_h, oneway, length_m, dataset_id)
            SELECT a.id, b.id, ST_MakeLine(a.geom, b.geom), 'arterial', 'Intercity road', 2, 70, 1800,
              false, ST_Length(ST_Transform(ST_MakeLine(a.geom, b.geom), 4326)::geography), ${datasetId}::bigint
            FROM a, b
            WHERE NOT EXISTS (SELECT 1 FROM road_links l WHERE l.from_node = a.id AND l.to_node = b.id)
            RETURNING 1
          ) SELECT count(*)::int AS n FROM ins`.execute(trx);
        added += Number(rows[0]?.n ?? 0);
      }
    }
  }
  return added;
}
