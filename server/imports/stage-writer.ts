import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Rows for the staging table, written as PostgreSQL COPY text to a spool file by the parse
 * worker; the loader streams the file into `COPY import_stage FROM STDIN` inside the import's
 * transaction. Columns: kind, idx, source_id, geom (EWKT), vals (json), status, reason, simple
 * (the parser proved the polygon valid: PostGIS need not check it; geometry.ts isSimpleRing).
 *   kind f: a feature of a simple layer; n: a network node; l: a network link; r: a sensor reading.
 */
export type StageKind = 'f' | 'n' | 'l' | 'r';
export type StageStatus = 'accepted' | 'rejected';

export const STAGE_COLUMNS = [
  'kind',
  'idx',
  'source_id',
  'geom',
  'vals',
  'status',
  'reason',
  'simple',
] as const;

/**
 * COPY text escaping (backslash, tab, newline, carriage return); null is \N. A NUL, which
 * PostgreSQL text cannot hold (COPY refuses the whole chunk), becomes U+FFFD, as half of a
 * surrogate pair does when the text is encoded as UTF-8.
 */
export function copyText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\t\n\r\0]/.test(s)
    ? s
        .replace(/\\/g, '\\\\')
        .replace(/\t/g, '\\t')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
        .replace(/\0/g, '\uFFFD')
    : s;
}

/** `\u0000` and a lone surrogate's escape (JSON.stringify writes paired ones as they are). */
const UNSTORABLE_JSON = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/**
 * JSON as jsonb accepts it: `\u0000` and lone surrogates, which it refuses (and with them the
 * whole COPY), become U+FFFD, as they do in text columns (copyText).
 */
export function storableJson(json: string): string {
  UNSTORABLE_JSON.lastIndex = 0;
  if (!UNSTORABLE_JSON.test(json)) return json;
  return json.replace(UNSTORABLE_JSON, '$1\\ufffd');
}

/**
 * Rows of a chunk written straight into the layer's own table instead of staging (buildings of
 * a pipelined load, `ParseOptions.direct`): COPY text in {@link DIRECT_COLUMNS}, how many rows,
 * and their extent in WGS84.
 */
export interface DirectRows {
  text: string;
  rows: number;
  bbox: [number, number, number, number];
}

/**
 * The columns of a direct row, in order: geometry as EPSG:3857 hex EWKB, the layer's values, the
 * source id and attributes; the id and dataset id come from the table's defaults.
 */
export const DIRECT_COLUMNS = [
  'geom',
  'height_m',
  'levels',
  'use',
  'name',
  'year_built',
  'min_height_m',
  'source_id',
  'attributes',
] as const;

/**
 * Receives COPY text in chunks of whole rows (the pipelined load: straight into COPY), with the
 * chunk's direct rows when there are any.
 */
export type StageSink = (text: string, direct?: DirectRows) => Promise<void>;

/** Characters of COPY text per chunk: enough to amortise a chunk's statements when loads stream. */
const CHUNK = 1 << 20;

export class StageWriter {
  readonly #out: WriteStream | null;
  readonly #sink: StageSink | null;
  #buffer: string[] = [];
  #size = 0;
  #direct: string[] = [];
  #directBbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  rows = 0;

  /** Rows go to a spool file (`path`) or, chunk by chunk, to a sink. */
  constructor(target: string | StageSink) {
    // A deep buffer lets parsing run ahead of the disk instead of waiting at every flush.
    this.#out =
      typeof target === 'string' ? createWriteStream(target, { highWaterMark: 16 << 20 }) : null;
    this.#sink = typeof target === 'string' ? null : target;
  }

  row(
    kind: StageKind,
    idx: number | null,
    sourceId: string | null,
    ewkt: string | null,
    vals: unknown,
    status: StageStatus,
    reason: string | null,
    simple = false,
  ): void {
    const json = vals === null ? null : storableJson(JSON.stringify(vals));
    const line = `${kind}\t${copyText(idx)}\t${copyText(sourceId)}\t${copyText(ewkt)}\t${copyText(json)}\t${status}\t${copyText(reason)}\t${simple ? 't' : 'f'}\n`;
    this.#buffer.push(line);
    this.#size += line.length;
    this.rows++;
  }

  /** True when rows can go straight into the layer's table (a sink, not a spool file). */
  get canDirect(): boolean {
    return this.#sink !== null;
  }

  /**
   * A row for the layer's own table: its values in {@link DIRECT_COLUMNS} order, already COPY
   * text, and the feature's bbox in WGS84.
   */
  directRow(line: string, bbox: readonly number[]): void {
    this.#direct.push(line);
    this.#size += line.length;
    this.rows++;
    const b = this.#directBbox;
    if (bbox[0]! < b[0]) b[0] = bbox[0]!;
    if (bbox[1]! < b[1]) b[1] = bbox[1]!;
    if (bbox[2]! > b[2]) b[2] = bbox[2]!;
    if (bbox[3]! > b[3]) b[3] = bbox[3]!;
  }

  /** True when enough rows are buffered to be worth a write (callers then await `drain`). */
  get full(): boolean {
    return this.#size >= CHUNK;
  }

  /** Writes buffered rows, waiting when the file stream is saturated (bounded memory). */
  async drain(force = false): Promise<void> {
    if (!force && this.#size < CHUNK) return;
    if (this.#size === 0) return;
    const text = this.#buffer.join('');
    this.#buffer = [];
    this.#size = 0;
    if (this.#sink) {
      if (this.#direct.length === 0) return this.#sink(text);
      const direct: DirectRows = {
        text: this.#direct.join(''),
        rows: this.#direct.length,
        bbox: this.#directBbox,
      };
      this.#direct = [];
      this.#directBbox = [Infinity, Infinity, -Infinity, -Infinity];
      return this.#sink(text, direct);
    }
    const out = this.#out!;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }

  async close(): Promise<void> {
    await this.drain(true);
    const out = this.#out;
    if (out)
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
  }
}
