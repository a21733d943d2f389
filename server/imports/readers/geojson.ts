import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Geometry } from 'geojson';
import { FileError, type ReaderContext, type SourceFeature, type SourceItem } from '../source';

/** Features per batch handed on: small enough to die young (see below). */
const BATCH = 256;

/**
 * GeoJSON, streamed: a scanner walks the text once, keeping only the feature being read, so a
 * FeatureCollection of millions of features is parsed in bounded memory. The legacy `crs`
 * member (GeoJSON 2008, still written by GDAL and WNTR) is honoured when it precedes the
 * features, as writers put it.
 */
export async function* readGeoJson(
  path: string,
  ctx: ReaderContext,
): AsyncGenerator<SourceItem | SourceItem[]> {
  const O_BRACE = 123,
    C_BRACE = 125,
    O_BRACK = 91,
    C_BRACK = 93,
    QUOTE = 34,
    BSLASH = 92,
    COLON = 58;
  let depth = 0;
  let inString = false;
  let escape = false;
  let stringStart = -1;
  let stringPieces: string[] = [];
  let lastString = '';
  let key = '';
  let rootIsObject = false;
  let inFeatures = false;
  let sawFeatures = false;
  /** What is being captured: a feature (depth 3) or the crs member (depth 2). */
  let capture: 'feature' | 'crs' | null = null;
  let captureStart = 0;
  let pieces: string[] = [];
  let index = 0;
  // Most writers (GDAL, QGIS, ours) put each feature on a line of its own: such a line is
  // parsed whole. After 16 lines in a row that are not one feature each, the file is walked.
  let lineFeature = true;
  let misses = 0;

  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 4 << 20 });
  for await (const chunk of stream as AsyncIterable<string>) {
    ctx.progress.bytes += Buffer.byteLength(chunk);
    let out: SourceItem[] = [];
    if (capture) captureStart = 0;
    if (inString) stringStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === BSLASH) escape = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 1) {
            stringPieces.push(chunk.slice(stringStart, i));
            lastString = stringPieces.join('');
            stringPieces = [];
          }
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        stringStart = i + 1;
      } else if (c === COLON) {
        if (depth === 1) key = lastString;
      } else if (c === O_BRACE || c === O_BRACK) {
        depth++;
        if (depth === 1) rootIsObject = c === O_BRACE;
        else if (depth === 2 && key === 'features' && c === O_BRACK) {
          inFeatures = sawFeatures = true;
        } else if (depth === 2 && key === 'crs' && c === O_BRACE) {
          capture = 'crs';
          captureStart = i;
        } else if (depth === 3 && inFeatures && c === O_BRACE) {
          const end = lineFeature ? lineEnd(chunk, i) : -1;
          const value = end > 0 ? tryParse(chunk.slice(i, end)) : undefined;
          if (value !== undefined) {
            // The whole line was the feature: no need to walk its characters.
            out.push(toFeature(value, ++index));
            depth--;
            i = end - 1;
            misses = 0;
            if (out.length >= BATCH) {
              yield out;
              out = [];
            }
          } else {
            if (lineFeature && ++misses > 16) lineFeature = false;
            capture = 'feature';
            captureStart = i;
          }
        }
      } else if (c === C_BRACE || c === C_BRACK) {
        depth--;
        if (depth < 0) throw new FileError('malformed GeoJSON: unbalanced brackets');
        if (
          capture &&
          ((capture === 'feature' && depth === 2) || (capture === 'crs' && depth === 1))
        ) {
          pieces.push(chunk.slice(captureStart, i + 1));
          const text = pieces.join('');
          pieces = [];
          if (capture === 'crs') out.push(crsMember(text, sawFeatures && index > 0));
          else out.push(featureFromText(text, ++index));
          capture = null;
          if (out.length >= BATCH) {
            // Small batches: a 4 MiB read holds ~15,000 features, which as one batch outlived
            // the young generation and were collected as old objects (docs/performance.md).
            yield out;
            out = [];
          }
        } else if (depth === 1 && inFeatures) {
          inFeatures = false;
        }
      }
    }
    if (inString && depth === 1) stringPieces.push(chunk.slice(stringStart));
    if (capture) pieces.push(chunk.slice(captureStart));
    // A chunk's features in one batch: an async generator's resume per feature was a fifth of
    // reading (a promise and a microtask each).
    if (out.length > 0) yield out;
  }
  if (depth !== 0 || inString) {
    throw new FileError(
      `truncated GeoJSON: the file ends inside ${index > 0 ? `or after feature ${index}` : 'its first value'}`,
    );
  }
  if (!rootIsObject) throw new FileError('not GeoJSON: expected a JSON object');
  if (!sawFeatures) yield* readSingle(path);
}

/**
 * Where the feature starting at `start` ends if it is alone on its line: the line's end without
 * the comma and white space after it, or -1 when the line does not end in `}`.
 */
function lineEnd(chunk: string, start: number): number {
  const nl = chunk.indexOf('\n', start);
  if (nl < 0) return -1;
  let end = nl;
  for (;;) {
    const c = chunk.charCodeAt(end - 1);
    if (c === 44 || c === 32 || c === 13 || c === 9) end--;
    else return c === 125 && end > start ? end : -1;
  }
}

/** A JSON object, or undefined (not JSON, or not an object: the caller walks the text instead). */
function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A lone Feature, Geometry or GeometryCollection (small files only: it is parsed whole). */
async function* readSingle(path: string): AsyncGenerator<SourceItem> {
  if (statSync(path).size > 256 * 1024 ** 2)
    throw new FileError('a GeoJSON file without a features array must be under 256 MB');
  const root = parseLenient(await readFile(path, 'utf8')) as Record<string, unknown>;
  if (root.crs) yield crsMember(JSON.stringify(root.crs), false);
  if (root.type === 'Feature') yield toFeature(root, 1);
  else if (
    (typeof root.type === 'string' && 'coordinates' in root) ||
    root.type === 'GeometryCollection'
  )
    yield { type: 'feature', geometry: root as unknown as Geometry, properties: {} };
  else
    throw new FileError(
      `not GeoJSON: no "features" array and type is ${JSON.stringify(root.type)}`,
    );
}

function crsMember(text: string, late: boolean): SourceItem {
  if (late)
    throw new FileError(
      'the GeoJSON "crs" member comes after the features; move it first or set --srs EPSG:xxxx',
    );
  const crs = parseLenient(text) as {
    type?: string;
    properties?: { name?: string; code?: number };
  };
  const name =
    crs.properties?.name ?? (crs.properties?.code ? `EPSG:${crs.properties.code}` : undefined);
  if (!name)
    throw new FileError('the GeoJSON "crs" member names no CRS; set it with --srs EPSG:xxxx');
  return { type: 'crs', name };
}

/**
 * JSON as Python and some GIS tools write it: bare NaN / Infinity become null, so the feature
 * holding them is rejected with a reason instead of failing the file.
 */
export function parseLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const patched = text.replace(
      /("(?:[^"\\]|\\.)*")|-?\b(?:NaN|Infinity)\b/g,
      (_m, str: string | undefined) => str ?? 'null',
    );
    if (patched === text) throw error;
    return JSON.parse(patched);
  }
}

function featureFromText(text: string, index: number): SourceFeature {
  try {
    return toFeature(parseLenient(text) as Record<string, unknown>, index);
  } catch (error) {
    return {
      type: 'feature',
      geometry: null,
      properties: {},
      problem: `malformed JSON: ${(error as Error).message}`,
    };
  }
}

function toFeature(f: Record<string, unknown>, _index: number): SourceFeature {
  if (f.type !== 'Feature') {
    return {
      type: 'feature',
      geometry: null,
      properties: {},
      problem: `expected a Feature, got ${JSON.stringify(f.type)}`,
    };
  }
  const props = (f.properties && typeof f.properties === 'object' ? f.properties : {}) as Record<
    string,
    unknown
  >;
  const id = typeof f.id === 'string' || typeof f.id === 'number' ? f.id : undefined;
  return {
    type: 'feature',
    geometry: (f.geometry ?? null) as Geometry | null,
    properties: props,
    id,
  };
}

/** Newline-delimited GeoJSON: one Feature (or geometry) per line. */
export async function* readNdjson(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  stream.on('data', (chunk) => (ctx.progress.bytes += Buffer.byteLength(chunk)));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    const text = line.trim().replace(/^\x1e/, ''); // RFC 8142 record separator
    if (!text) continue;
    n++;
    let value: Record<string, unknown>;
    try {
      value = parseLenient(text) as Record<string, unknown>;
    } catch (error) {
      yield {
        type: 'feature',
        geometry: null,
        properties: {},
        problem: `line ${n}: malformed JSON: ${(error as Error).message}`,
      };
      continue;
    }
    if (value?.type === 'Feature') yield toFeature(value, n);
    else if (value && typeof value.type === 'string' && 'coordinates' in value)
      yield { type: 'feature', geometry: value as unknown as Geometry, properties: {} };
    else
      yield {
        type: 'feature',
        geometry: null,
        properties: {},
        problem: `line ${n}: not a GeoJSON Feature`,
      };
  }
}
