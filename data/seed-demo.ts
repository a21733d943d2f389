import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema';
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
  { seed, center, onProgress = () => {} }: SeedDemoOptions,
): Promise<SeedDemoResult> {
  onProgress(`demo city: generating (seed ${seed})`);
  const city = generateDemoCity({ seed, center });
  const counts = Object.fromEntries(DEMO_LAYERS.map((layer) => [layer, city[layer].length]));
  const total = DEMO_LAYERS.reduce((sum, layer) => sum + city[layer].length, 0);

  const datasetId = await db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('datasets')
      .values({
        name: 'Demo city (synthetic)',
        source: `data/demo-city generator, seed ${seed}, centre ${center[0]},${center[1]}`,
        licence: 'CC0-1.0',
        synthetic: true,
        feature_count: total,
        attributes: JSON.stringify({ generator: 'data/demo-city', seed, center }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const datasetId = String(id);
    const offsets = await idOffsets(trx);

    for (const layer of DEMO_LAYERS) {
      const features = city[layer];
      for (let start = 0; start < features.length; start += BATCH_SIZE) {
        const rows = features.slice(start, start + BATCH_SIZE).map((f) => toRow(layer, f, offsets));
        await INSERTS[layer](JSON.stringify(rows), datasetId).execute(trx);
        const done = Math.min(start + BATCH_SIZE, features.length);
        onProgress(`demo city: ${layer} ${done}/${features.length}`);
      }
      await sql`SELECT setval(pg_get_serial_sequence(${layer}, 'id'),
        (SELECT max(id) FROM ${sql.table(layer)}))`.execute(trx);
    }
    return datasetId;
  });
  onProgress(`demo city: ${total} features stored as dataset ${datasetId}`);
  return { datasetId, counts };
}
