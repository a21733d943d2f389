import { Hono, type Context } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { LayerCatalog } from '../../tiles/catalog';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { parseBBox } from '../label-routes';
import { assertLayersVisible } from '../auth/layer-access';
import { principalOf } from '../auth/principal';
import { datasetTables, layerTable } from './export-tables';
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  ExportError,
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

/** `?format=gpkg|fgb|geojson|csv` (default geojson), else 400. */
export function parseExportFormat(raw: string | undefined): ExportFormat {
  const format = raw ?? 'geojson';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new ApiError(400, 'bad_request', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
  return format as ExportFormat;
}

/** Sends an export as a download; ExportError becomes its 4xx/503. */
export async function sendExport(
  c: Context,
  fileBase: string,
  format: ExportFormat,
  build: () => Promise<ReadableStream<Uint8Array> | Uint8Array>,
) {
  let body: ReadableStream<Uint8Array> | Uint8Array;
  try {
    body = await build();
  } catch (error) {
    if (error instanceof ExportError) {
      throw new ApiError(
        error.status,
        error.status === 413 ? 'too_large' : error.status === 503 ? 'unavailable' : 'bad_request',
        error.message,
      );
    }
    throw error;
  }
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
  return new Hono().get('/:name/export', async (c) => {
    const name = c.req.param('name');
    const layer = catalog.get(name);
    if (!layer)
      throw new ApiError(
        404,
        'not_found',
        /^[a-z0-9_]{1,64}$/.test(name) ? `unknown layer: ${name}` : 'unknown layer',
      );
    assertLayersVisible(principalOf(c), [layer]);
    const format = parseExportFormat(c.req.query('format'));
    const raw = c.req.query('bbox');
    const where =
      raw === undefined
        ? sql`true`
        : (() => {
            const [w, s, e, n] = parseBBox(raw);
            return sql`t.geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857)`;
          })();
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
  return new Hono().get('/:id{[0-9]+}/export', async (c) => {
    const id = c.req.param('id');
    const format = parseExportFormat(c.req.query('format'));
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
    const part = c.req.query('part');
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
