import { Hono, type Context } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { LayerCatalog } from '../../tiles/catalog';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { z } from 'zod';
import { mercatorBbox } from '../params';
import { valid } from '../validate';
import { assertLayersVisible } from '../auth/layer-access';
import { principalOf } from '../auth/principal';
import { datasetTables, layerTable } from './export-tables';
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportPart,
  type ExportService,
} from './export-service';

export interface ExportRoutesOptions {
  db: Kysely<Database>;
  catalog: LayerCatalog;
  exports: ExportService;
}

const EXTENSIONS: Record<ExportFormat, string> = {
  gpkg: 'gpkg',
  fgb: 'fgb',
  geojson: 'geojson',
  csv: 'csv',
};

/** `?format=gpkg|fgb|geojson|csv` (default geojson). */
const format = z
  .enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
  .default('geojson');

/** `?format&bbox=w,s,e,n` of a layer export (the bbox is projected: clamped to mercator's latitudes). */
const LayerExportQuery = z.object({ format, bbox: mercatorBbox.optional() });

/** `?format&part=table` of a dataset export. */
const DatasetExportQuery = z.object({ format, part: z.string().max(64).optional() });

/** Sends an export as a download (an ExportError answers its own 400/413/503). */
export async function sendExport(
  c: Context,
  fileBase: string,
  format: ExportFormat,
  build: () => Promise<ReadableStream<Uint8Array> | Uint8Array>,
) {
  const body = await build();
  c.header('Content-Type', CONTENT_TYPES[format]);
  c.header(
    'Content-Disposition',
    `attachment; filename="${fileBase.replace(/[^\w.-]+/g, '_')}.${EXTENSIONS[format]}"`,
  );
  return c.body(body as ReadableStream);
}

/**
 * `/api/layers`: GET /{name}/export?format=gpkg|fgb|geojson|csv[&bbox=w,s,e,n] — every feature of a
 * tile layer (or those in the bbox), WGS84, with its id, attributes and provenance.
 */
export function layerExportRoutes({ catalog, exports }: ExportRoutesOptions) {
  return new Hono().get('/:name/export', valid('query', LayerExportQuery), async (c) => {
    const name = c.req.param('name');
    const layer = catalog.get(name);
    if (!layer)
      throw new ApiError(
        404,
        'not_found',
        /^[a-z0-9_]{1,64}$/.test(name) ? `unknown layer: ${name}` : 'unknown layer',
      );
    assertLayersVisible(principalOf(c), [layer]);
    const { format, bbox } = c.req.valid('query');
    const where = bbox
      ? sql`t.geom && ST_Transform(ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326), 3857)`
      : sql`true`;
    return sendExport(c, layer.name, format, () =>
      exports.export([{ table: layerTable(layer), where }], format),
    );
  });
}

/**
 * `/api/datasets`: GET /{id}/export?format=…[&part=table] — a dataset's features. A GeoPackage
 * holds one table per kind of feature it brought (a network: its lines and its nodes); the
 * other formats hold one, `part` (default the first); `X-Export-Parts` lists them.
 */
export function datasetExportRoutes({ db, catalog, exports }: ExportRoutesOptions) {
  return new Hono().get('/:id{[0-9]+}/export', valid('query', DatasetExportQuery), async (c) => {
    const id = c.req.param('id');
    const { format, part } = c.req.valid('query');
    const ds =
      id.length <= 18
        ? await db
            .selectFrom('datasets')
            .select(['id', 'name'])
            .where('id', '=', id)
            .executeTakeFirst()
        : undefined;
    if (!ds) throw new ApiError(404, 'not_found', `no dataset ${id.slice(0, 20)}`);
    const parts: ExportPart[] = [];
    for (const table of datasetTables(catalog)) {
      const where = sql`t.dataset_id = ${id}::bigint`;
      const { rows } = await sql<{
        e: boolean;
      }>`SELECT EXISTS (SELECT 1 FROM ${sql.table(table.table)} AS t WHERE ${where}) AS e`.execute(
        db,
      );
      if (rows[0]?.e) parts.push({ table, where });
    }
    if (parts.length === 0) throw new ApiError(404, 'not_found', `dataset ${id} has no features`);
    c.header('X-Export-Parts', parts.map((p) => p.table.name).join(','));
    let chosen = parts;
    if (format !== 'gpkg') {
      const one = part === undefined ? parts[0] : parts.find((p) => p.table.name === part);
      if (!one)
        throw new ApiError(
          400,
          'bad_request',
          `part must be one of ${parts.map((p) => p.table.name).join(', ')}`,
        );
      chosen = [one];
    }
    return sendExport(c, `dataset-${ds.id}-${ds.name}`, format, () =>
      exports.export(chosen, format),
    );
  });
}
