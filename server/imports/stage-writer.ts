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

/** COPY text escaping (backslash, tab, newline, carriage return); null is \N. */
export function copyText(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = String(v);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}

/** Receives COPY text in chunks of whole rows (the pipelined load: straight into COPY). */
export type StageSink = (text: string) => Promise<void>;

/** Characters of COPY text per chunk: enough to amortise a chunk's statements when loads stream. */
const CHUNK = 1 << 20;

export class StageWriter {
  readonly #out: WriteStream | null;
  readonly #sink: StageSink | null;
  #buffer: string[] = [];
  #size = 0;
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
    const line = `${kind}\t${copyText(idx)}\t${copyText(sourceId)}\t${copyText(ewkt)}\t${copyText(vals === null ? null : JSON.stringify(vals))}\t${status}\t${copyText(reason)}\t${simple ? 't' : 'f'}\n`;
    this.#buffer.push(line);
    this.#size += line.length;
    this.rows++;
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
    if (this.#sink) return this.#sink(text);
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
