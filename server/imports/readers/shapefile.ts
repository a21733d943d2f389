import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import * as shapefile from 'shapefile';
import type { Geometry } from 'geojson';
import { extractZip } from '../zip-archive';
import { FileError, type ReaderContext, type SourceItem } from '../source';

/**
 * An Esri Shapefile: a zip holding .shp/.shx/.dbf (+ .prj for the CRS, .cpg for the text
 * encoding), or a .shp path whose siblings sit next to it. The archive is checked and extracted
 * into the job's scratch directory first.
 */
export async function* readShapefile(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  let shp = path;
  if (extname(path).toLowerCase() === '.zip') {
    const files = await extractZip(path, join(ctx.tmpDir, 'shapefile'), ctx.limits);
    const shps = files.filter((f) => f.toLowerCase().endsWith('.shp'));
    if (shps.length === 0) throw new FileError('the zip archive holds no .shp file');
    if (shps.length > 1)
      throw new FileError(
        `the zip archive holds ${shps.length} .shp files; zip one layer per file`,
      );
    shp = shps[0]!;
  }
  const sibling = (ext: string) => {
    const stem = basename(shp, extname(shp)).toLowerCase();
    const found = readdirSync(dirname(shp)).find((f) => f.toLowerCase() === `${stem}${ext}`);
    return found ? join(dirname(shp), found) : undefined;
  };
  const dbf = sibling('.dbf');
  const prj = sibling('.prj');
  const cpg = sibling('.cpg');
  if (prj) yield { type: 'crs', wkt: readFileSync(prj, 'utf8') };
  const encoding = cpg && existsSync(cpg) ? normaliseEncoding(readFileSync(cpg, 'utf8')) : 'utf-8';
  let source: Awaited<ReturnType<typeof shapefile.open>>;
  try {
    source = await shapefile.open(shp, dbf, { encoding });
  } catch (error) {
    throw new FileError(`unreadable shapefile: ${(error as Error).message}`);
  }
  const total = ctx.progress.total;
  let n = 0;
  for (;;) {
    let result: { done: boolean; value: GeoJSON.Feature };
    try {
      result = (await source.read()) as { done: boolean; value: GeoJSON.Feature };
    } catch (error) {
      throw new FileError(`damaged shapefile after ${n} features: ${(error as Error).message}`);
    }
    if (result.done) break;
    n++;
    if (n % 1000 === 0) ctx.progress.bytes = Math.min(total, ctx.progress.bytes + 1);
    yield {
      type: 'feature',
      geometry: (result.value.geometry ?? null) as Geometry | null,
      properties: (result.value.properties ?? {}) as Record<string, unknown>,
    };
  }
  ctx.progress.bytes = total;
}

function normaliseEncoding(cpg: string): string {
  const v = cpg.trim().toLowerCase();
  if (/^(utf-?8|65001)$/.test(v)) return 'utf-8';
  if (/^(1252|cp1252|windows-1252|ansi 1252)$/.test(v)) return 'windows-1252';
  if (/^(88591|iso-?8859-?1|latin1)$/.test(v)) return 'iso-8859-1';
  return v || 'utf-8';
}
