import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Geometry } from 'geojson';
// The package root pulls OpenLayers (an optional dependency); the GeoJSON entry does not.
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { FileError, type ReaderContext, type SourceItem } from '../source';

/** FlatGeobuf, streamed feature by feature; the header's CRS (org + code, or WKT) is declared. */
export async function* readFlatGeobuf(
  path: string,
  ctx: ReaderContext,
): AsyncGenerator<SourceItem> {
  const file = createReadStream(path);
  file.on('data', (chunk) => (ctx.progress.bytes += chunk.length));
  let header: HeaderMeta | undefined;
  let declared = false;
  const stream = Readable.toWeb(file) as unknown as ReadableStream;
  try {
    for await (const f of deserialize(stream, { headerMetaFn: (h) => (header = h) })) {
      if (!declared) {
        declared = true;
        const crs = header?.crs;
        if (crs && crs.code > 0 && (crs.org ?? 'EPSG').toUpperCase() === 'EPSG')
          yield { type: 'crs', name: `EPSG:${crs.code}` };
        else if (crs?.wkt) yield { type: 'crs', wkt: crs.wkt };
      }
      yield {
        type: 'feature',
        geometry: (f.geometry ?? null) as Geometry | null,
        properties: (f.properties ?? {}) as Record<string, unknown>,
        id: f.id as string | number | undefined,
      };
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(`not a readable FlatGeobuf file: ${(error as Error).message}`);
  }
}
