import type { Feature, Geometry } from 'geojson';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import wkx from 'wkx';
import type { Database } from '../../schema/database';
import { FgbWriter } from './fgb-writer';
import { GpkgBuild } from './gpkg-in-worker';
import type { ExportColumn, ExportTable } from './export-tables';
import { TwinError } from '../../common/twin-error';

export const EXPORT_FORMATS = ['gpkg', 'fgb', 'geojson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  gpkg: 'application/geopackage+sqlite3',
  fgb: 'application/flatgeobuf',
  geojson: 'application/geo+json',
  csv: 'text/csv; charset=utf-8',
};

/** Rows read per query (keyset pages by id), so memory stays bounded for the streamed formats. */
const PAGE = 2000;

/** An export that cannot be made: a bad request (400), too many features (413), busy (503). */
export class ExportError extends TwinError {
  override name = 'ExportError';
  constructor(message: string, status: 400 | 413 | 503) {
    super(
      status,
      status === 413 ? 'too_large' : status === 503 ? 'unavailable' : 'bad_request',
      message,
    );
  }
}

/** One table's rows to export: the table and a filter built from constants and bound values. */
export interface ExportPart {
  table: ExportTable;
  where: RawBuilder<unknown>;
}

export interface ExportServiceOptions {
  db: Kysely<Database>;
  /** Features one export may hold (more: 413 — narrow it with a bbox). */
  maxFeatures: number;
  /** Exports built at once (more: 503). */
  concurrency: number;
}

interface Row {
  id: string;
  p: Record<string, unknown> | string;
  g: string | null;
}

/**
 * Exports layers, datasets and scenario edits as GeoPackage, FlatGeobuf, GeoJSON or CSV (WKT),
 * in WGS84 (issue #15). GeoJSON, CSV and FlatGeobuf stream page by page; a GeoPackage is built
 * in a worker thread (sql.js) and sent when done. The feature count is checked first, and a
 * bounded number of exports run at once.
 */
export class ExportService {
  readonly #o: ExportServiceOptions;
  #running = 0;

  constructor(o: ExportServiceOptions) {
    this.#o = o;
  }

  /** Counts the rows, refusing an export over the cap; resolves to the count per part. */
  async count(parts: ExportPart[]): Promise<number[]> {
    const counts: number[] = [];
    for (const p of parts) {
      const { rows } = await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM ${sql.table(p.table.table)} AS t WHERE ${p.where}`.execute(
        this.#o.db,
      );
      counts.push(Number(rows[0]!.n));
    }
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > this.#o.maxFeatures) {
      throw new ExportError(
        `the export would hold ${total} features; at most ${this.#o.maxFeatures} are exported at once (narrow it with bbox=west,south,east,north)`,
        413,
      );
    }
    return counts;
  }

  /**
   * Streams the parts as `format`: a GeoPackage holds every part as a table of its own; the
   * other formats take the first part only (callers choose it with `part`).
   */
  async export(
    parts: ExportPart[],
    format: ExportFormat,
  ): Promise<ReadableStream<Uint8Array> | Uint8Array> {
    if (this.#running >= this.#o.concurrency)
      throw new ExportError(`${this.#running} exports are being built; try again shortly`, 503);
    this.#running++;
    let released = false;
    const release = () => {
      if (!released) this.#running--;
      released = true;
    };
    try {
      const counts = await this.count(parts);
      if (format === 'gpkg') {
        try {
          return await this.#gpkg(parts);
        } finally {
          release();
        }
      }
      const chunks = this.#chunks(parts[0]!, format, counts[0]!);
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await chunks.next();
            if (next.done) {
              release();
              controller.close();
            } else controller.enqueue(next.value);
          } catch (error) {
            release();
            controller.error(error);
          }
        },
        async cancel() {
          release();
          await chunks.return(undefined);
        },
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Features as a stream of the format (GeoJSON FeatureCollections of edits, for instance). */
  async exportFeatures(
    table: Omit<ExportTable, 'table'>,
    features: Feature[],
    format: ExportFormat,
  ): Promise<Uint8Array> {
    if (features.length > this.#o.maxFeatures)
      throw new ExportError(`at most ${this.#o.maxFeatures} features are exported at once`, 413);
    const rows = features.map((f) => ({
      geometry: f.geometry as Geometry | null,
      properties: (f.properties ?? {}) as Record<string, unknown>,
    }));
    if (format === 'gpkg') {
      const build = new GpkgBuild();
      try {
        await build.layer({
          name: table.name,
          geometryType: table.geometryType,
          columns: table.columns,
        });
        await build.rows(table.name, rows);
        return await build.finish();
      } catch (error) {
        build.abort();
        throw error;
      }
    }
    const parts: Uint8Array[] = [];
    const enc = new TextEncoder();
    if (format === 'fgb') {
      const w = new FgbWriter(
        table.geometryType,
        table.columns,
        rows.filter((r) => r.geometry).length,
      );
      parts.push(w.header());
      for (const r of rows) if (r.geometry) parts.push(w.feature(r.geometry, r.properties));
    } else if (format === 'geojson') {
      parts.push(enc.encode(JSON.stringify({ type: 'FeatureCollection', features })));
    } else {
      parts.push(enc.encode(`${csvHeader(table.columns)}\n`));
      for (const r of rows)
        parts.push(enc.encode(`${csvRow(table.columns, r.properties, r.geometry)}\n`));
    }
    return Buffer.concat(parts);
  }

  /** Pages of rows by id: [{id, properties, geometry}]. */
  async *#rows(
    part: ExportPart,
  ): AsyncGenerator<{ properties: Record<string, unknown>; geometry: Geometry | null }[]> {
    const cols = part.table.columns.filter((c) => c.name !== 'id');
    // Column names come from the catalogue or export-tables.ts, never from the request.
    const props = sql.join(
      cols.map((c) =>
        c.name === 'attributes'
          ? sql`${sql.lit(c.name)}, t.attributes::text`
          : sql`${sql.lit(c.name)}, ${sql.ref(`t.${c.name}`)}`,
      ),
    );
    let last = '0';
    for (;;) {
      const { rows } = await sql<Row>`
        SELECT t.id::text AS id, jsonb_build_object(${props}) AS p, ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7) AS g
        FROM ${sql.table(part.table.table)} AS t WHERE ${part.where} AND t.id > ${last}::bigint ORDER BY t.id LIMIT ${PAGE}`.execute(
        this.#o.db,
      );
      if (rows.length === 0) return;
      last = rows.at(-1)!.id;
      yield rows.map((r) => {
        const p = typeof r.p === 'string' ? (JSON.parse(r.p) as Record<string, unknown>) : r.p;
        // jsonb orders its keys; the columns' own order is the export's.
        const properties: Record<string, unknown> = { id: Number(r.id) };
        for (const c of cols) properties[c.name] = p[c.name] ?? null;
        return { properties, geometry: r.g ? (JSON.parse(r.g) as Geometry) : null };
      });
      if (rows.length < PAGE) return;
    }
  }

  async *#chunks(
    part: ExportPart,
    format: Exclude<ExportFormat, 'gpkg'>,
    count: number,
  ): AsyncGenerator<Uint8Array> {
    const enc = new TextEncoder();
    const cols = part.table.columns;
    if (format === 'fgb') {
      const { rows } = await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM ${sql.table(part.table.table)} AS t WHERE ${part.where} AND t.geom IS NOT NULL`.execute(
        this.#o.db,
      );
      const w = new FgbWriter(part.table.geometryType, cols, Math.min(count, Number(rows[0]!.n)));
      yield w.header();
      for await (const page of this.#rows(part)) {
        yield Buffer.concat(
          page.filter((r) => r.geometry).map((r) => w.feature(r.geometry!, r.properties)),
        );
      }
      return;
    }
    if (format === 'csv') {
      yield enc.encode(`${csvHeader(cols)}\n`);
      for await (const page of this.#rows(part))
        yield enc.encode(page.map((r) => `${csvRow(cols, r.properties, r.geometry)}\n`).join(''));
      return;
    }
    yield enc.encode(
      `{"type":"FeatureCollection","name":${JSON.stringify(part.table.name)},"features":[\n`,
    );
    let first = true;
    for await (const page of this.#rows(part)) {
      const text = page
        .map((r) => {
          const { id, ...properties } = r.properties;
          return JSON.stringify({
            type: 'Feature',
            id,
            geometry: r.geometry,
            properties: { id, ...properties },
          });
        })
        .join(',\n');
      yield enc.encode(`${first ? '' : ',\n'}${text}`);
      first = false;
    }
    yield enc.encode('\n]}\n');
  }

  async #gpkg(parts: ExportPart[]): Promise<Uint8Array> {
    const build = new GpkgBuild();
    try {
      for (const part of parts) {
        await build.layer({
          name: part.table.name,
          geometryType: part.table.geometryType,
          columns: part.table.columns,
        });
        for await (const page of this.#rows(part)) await build.rows(part.table.name, page);
      }
      return await build.finish();
    } catch (error) {
      build.abort();
      throw error;
    }
  }
}

/** CSV cells; those starting with = + - @ are prefixed so spreadsheets do not run them. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const safe = /^[=+\-@]/.test(s) && !/^-?[0-9.]+(e[-+]?\d+)?$/i.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvHeader(cols: ExportColumn[]): string {
  return [...cols.map((c) => c.name), 'wkt'].map(csvCell).join(',');
}

function csvRow(cols: ExportColumn[], p: Record<string, unknown>, g: Geometry | null): string {
  const wkt = g ? wkx.Geometry.parseGeoJSON(g).toWkt() : '';
  return [...cols.map((c) => p[c.name]), wkt].map(csvCell).join(',');
}
