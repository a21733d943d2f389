import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { FeatureResponse } from '../common/api-types';
import type { LayerCatalog } from '../tiles/catalog';
import type { Database } from '../schema/database';
import { z } from 'zod';
import { ApiError } from './errors';
import { valid } from './validate';
import { assertLayersVisible } from './auth/layer-access';
import { principalOf } from './auth/principal';

export interface FeatureRoutesOptions {
  db: Kysely<Database>;
  /** The only source of layer names and table identifiers. */
  catalog: LayerCatalog;
}

const MAX_BIGINT = 9223372036854775807n;

const ID_MESSAGE = 'feature id must be a positive integer';

/** `/{layer}/{id}`: the id a positive decimal integer that fits a bigint, else 400. */
const FeatureParam = z.object({
  layer: z.string(),
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, ID_MESSAGE)
    .refine((raw) => /^[0-9]{1,19}$/.test(raw) && BigInt(raw) <= MAX_BIGINT, ID_MESSAGE),
});

interface FeatureRow {
  properties: Record<string, unknown> | string;
  geometry: string;
  dataset_id: string | number;
  dataset_name: string;
  dataset_source: string;
  dataset_licence: string;
  dataset_imported_at: Date | string;
}

/**
 * `/api/features`: one feature with all its columns, its geometry in WGS84 and its dataset.
 *   GET /{layer}/{id}
 * Layer names and tables come from the tile catalogue only; the id is a bound parameter.
 */
export function featureRoutes({ db, catalog }: FeatureRoutesOptions) {
  return new Hono().get('/:layer/:id', valid('param', FeatureParam), async (c) => {
    const { layer: name, id } = c.req.valid('param');
    const layer = catalog.get(name);
    if (!layer) {
      // Echo the name only when it is a plain identifier.
      const shown = /^[a-z0-9_]{1,64}$/.test(name) ? `: ${name}` : '';
      throw new ApiError(404, 'not_found', `unknown layer${shown}`);
    }
    assertLayersVisible(principalOf(c), [layer]);
    const { rows } = await sql<FeatureRow>`
      SELECT to_jsonb(t) - 'geom' - 'surfaces' - 'surface_types' AS properties,
             ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7) AS geometry,
             d.id AS dataset_id, d.name AS dataset_name, d.source AS dataset_source,
             d.licence AS dataset_licence, d.imported_at AS dataset_imported_at
      FROM ${sql.table(layer.table)} AS t
      JOIN datasets AS d ON d.id = t.dataset_id
      WHERE t.id = ${id}::bigint`.execute(db);
    const row = rows[0];
    if (!row) throw new ApiError(404, 'not_found', `no ${layer.name} feature with id ${id}`);
    const properties =
      typeof row.properties === 'string' ? JSON.parse(row.properties) : row.properties;
    const body: FeatureResponse = {
      layer: layer.name,
      id: Number(id),
      properties,
      geometry: JSON.parse(row.geometry),
      dataset: {
        id: Number(row.dataset_id),
        name: row.dataset_name,
        source: row.dataset_source,
        licence: row.dataset_licence,
        imported_at: new Date(row.dataset_imported_at).toISOString(),
      },
    };
    return c.json(body);
  });
}
