import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import type { ImportJob, ImportMode, ImportProgress } from '../../common/api-types';
import type { Backend } from '../db/backend';
import type { LayerCatalog } from '../../tiles/catalog';
import { CrsError, crsFromName, useSpatialRefSys, type SpatialRefSys } from './crs';
import { lodLimit } from './readers/city-model';
import { loadSpatialRefSys } from './spatial-ref-sys';
import { isTempDirName, makeTempDir } from './temp-files';
import { compileMapping, ExpressionError } from './expressions';
import {
  CustomLayerError,
  customLayerDefinition,
  SQL_TYPE,
  validateCustomLayerName,
  type CustomLayerRow,
} from './custom-layers';
import type { CustomColumn } from './targets/custom';
import { loadSpool, spoolStager, type LoadResult, type Stager } from './load';
import { parseInWorker } from './parse-in-worker';
import {
  parseToSpool,
  TWIN_LAYERS,
  type ParseOptions,
  type ParseResult,
  type TargetKind,
} from './parse';
import { FileError, type ImportLimits } from './source';
import type { Format } from './formats';
import type { Actor } from '../auth/principal';
import { twinError } from '../../common/twin-error';

export interface ImportRequest {
  /** The file on disk (an upload's temporary copy, or the CLI's argument). */
  path: string;
  /** Its original name (format detection). */
  fileName: string;
  layer: string;
  mode: ImportMode;
  mapping: string[];
  srs?: string;
  format?: Format;
  name: string;
  source: string;
  licence: string;
  /** Delete `path` and its directory (an upload's own temporary one) when the job ends. */
  removeFile?: boolean;
  /** Who imports (the audit row); the CLI passes `CLI_ACTOR`. */
  actor?: Actor;
  /** 3D city models: the LoD to read (`2`, `1.3`; default the best ≤ 2) and BuildingParts merged or kept. */
  lod?: string;
  buildingParts?: 'merge' | 'keep';
}

/** A request the import cannot even start: bad options (400), not a bad file. */
export class ImportRequestError extends twinError('ImportRequestError', 400, 'bad_request') {}

/** The import queue is full (503 + Retry-After): nothing was recorded; retry later. */
export class ImportBusyError extends twinError('ImportBusyError', 503, 'unavailable') {}

export const IMPORT_MODES: readonly ImportMode[] = ['replace', 'append', 'upsert'];

/** Which target a layer name means; custom names are validated (they become table names). */
export function resolveTarget(layer: string): TargetKind {
  if ((TWIN_LAYERS as readonly string[]).includes(layer)) return layer as TargetKind;
  validateCustomLayerName(layer);
  return 'custom';
}

/** Options checked before any work: layer, mode, mapping syntax, CRS name. */
export function checkRequest(
  r: Pick<ImportRequest, 'layer' | 'mode' | 'mapping' | 'srs' | 'lod' | 'buildingParts'>,
): TargetKind {
  try {
    const target = resolveTarget(r.layer);
    if (!IMPORT_MODES.includes(r.mode))
      throw new ImportRequestError(`mode must be one of ${IMPORT_MODES.join(', ')}`);
    compileMapping(r.mapping);
    if (r.srs) crsFromName(r.srs);
    if (r.lod !== undefined) {
      try {
        lodLimit(r.lod);
      } catch (error) {
        throw new ImportRequestError((error as Error).message);
      }
    }
    if (
      r.buildingParts !== undefined &&
      r.buildingParts !== 'merge' &&
      r.buildingParts !== 'keep'
    ) {
      throw new ImportRequestError(
        'parts must be merge (BuildingParts joined into their building) or keep (each part a building)',
      );
    }
    return target;
  } catch (error) {
    if (
      error instanceof CustomLayerError ||
      error instanceof ExpressionError ||
      error instanceof CrsError
    ) {
      throw new ImportRequestError(error.message);
    }
    throw error;
  }
}

export interface ImportServiceOptions {
  backend: Backend;
  catalog: LayerCatalog;
  limits: ImportLimits;
  /** Parse in a worker thread (the server); false parses in-process (a CLI may choose). */
  useWorker?: boolean;
  /** Seconds a job's lease lasts; renewed every third of it while the job is open (default 30). */
  leaseS?: number;
  /** Jobs run at once (default 1) and jobs waiting beyond those (default 16; more: ImportBusyError). */
  concurrency?: number;
  maxQueued?: number;
  onError?: (error: Error, jobId: string) => void;
}

/**
 * Import jobs: each runs parse (worker thread) → load (one transaction) → report. Jobs run one
 * at a time in arrival order; progress is kept in memory for live updates and written to
 * `import_jobs` at every phase, with the report when the job ends.
 */
export class ImportService {
  readonly #o: ImportServiceOptions;
  readonly #live = new Map<string, { view: ImportJob; events: EventEmitter }>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #srs: Promise<SpatialRefSys> | undefined;
  /** This process as a job owner: host, pid and a nonce (pids are reused). */
  readonly owner = `${hostname().slice(0, 60)}:${process.pid}:${randomUUID().slice(0, 8)}`;
  #open = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(options: ImportServiceOptions) {
    this.#o = options;
  }

  /**
   * The database's EPSG definitions, read once and used in this thread from then on (so `--srs`
   * is checked against them) and handed to every parse worker.
   */
  async spatialRefSys(): Promise<SpatialRefSys> {
    this.#srs ??= loadSpatialRefSys(this.#o.backend.db).then((table) => {
      useSpatialRefSys(table);
      return table;
    });
    return this.#srs;
  }

  /** Records a job and queues it; resolves once queued with the job's first view. */
  async submit(r: ImportRequest): Promise<{ job: ImportJob; done: Promise<ImportJob> }> {
    await this.spatialRefSys();
    const target = checkRequest(r);
    const maxQueued = this.#o.maxQueued ?? 16;
    if (this.#running >= (this.#o.concurrency ?? 1) && this.#waiting.length >= maxQueued) {
      if (r.removeFile) await removeUpload(r.path);
      throw new ImportBusyError(
        `the import queue is full (${this.#waiting.length} jobs waiting); try again in a while`,
      );
    }
    const size = (await stat(r.path)).size;
    if (size > this.#o.limits.maxFileBytes) {
      if (r.removeFile) await removeUpload(r.path);
      throw new ImportRequestError(
        `the file is ${size} bytes; the limit is ${this.#o.limits.maxFileBytes}`,
      );
    }
    const row = await this.#o.backend.db
      .insertInto('import_jobs')
      .values({
        name: r.name,
        layer: r.layer,
        mode: r.mode,
        source: r.source,
        licence: r.licence,
        file_name: r.fileName,
        file_bytes: size,
        progress: jsonb({}),
        owner: this.owner,
        lease_expires_at: sql<Date>`now() + make_interval(secs => ${this.#leaseS})`,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    const view: ImportJob = {
      id: row.id,
      status: 'queued',
      name: r.name,
      layer: r.layer,
      mode: r.mode,
      file_name: r.fileName,
      format: null,
      crs: null,
      progress: { phase: 'queued', bytes: 0, totalBytes: size, features: 0 },
      dataset_id: null,
      counts: null,
      extent: null,
      error: null,
      created_at: new Date(row.created_at).toISOString(),
      finished_at: null,
    };
    const events = new EventEmitter();
    events.setMaxListeners(100);
    this.#live.set(view.id, { view, events });
    this.#opened();
    const done = this.#slot().then(async (release) => {
      try {
        return await this.#run(view, events, r, target);
      } finally {
        release();
        this.#closed();
      }
    });
    return { job: { ...view }, done };
  }

  /** Waits for a free run slot (jobs start in arrival order); resolves to its release. */
  #slot(): Promise<() => void> {
    const release = () => {
      this.#running--;
      const next = this.#waiting.shift();
      if (next) next();
    };
    if (this.#running < (this.#o.concurrency ?? 1)) {
      this.#running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#running++;
        resolve(release);
      }),
    );
  }

  get #leaseS(): number {
    return this.#o.leaseS ?? 30;
  }

  /** Renews the leases of this process's open jobs while it has any. */
  #opened(): void {
    if (this.#open++ > 0) return;
    this.#heartbeat = setInterval(
      () => void this.renewLeases().catch(() => undefined),
      (this.#leaseS * 1000) / 3,
    );
    this.#heartbeat.unref();
  }

  #closed(): void {
    if (--this.#open > 0 || !this.#heartbeat) return;
    clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Extends the lease of every open job this process owns; returns how many. */
  async renewLeases(): Promise<number> {
    const rows = await this.#o.backend.db
      .updateTable('import_jobs')
      .set({ lease_expires_at: sql<Date>`now() + make_interval(secs => ${this.#leaseS})` })
      .where('owner', '=', this.owner)
      .where('status', 'in', ['queued', 'running'])
      .returning('id')
      .execute();
    return rows.length;
  }

  /**
   * Marks failed the jobs left queued or running by a process that stopped: those whose lease
   * has expired (their transaction never committed, so nothing was changed). Jobs whose owner
   * still renews its lease — a CLI import, another server — are left alone. Called at start-up.
   */
  async recoverInterrupted(): Promise<number> {
    const rows = await this.#o.backend.db
      .updateTable('import_jobs')
      .set({
        status: 'failed',
        phase: 'failed',
        error: 'interrupted: the process running this import stopped; nothing was changed',
        finished_at: new Date(),
      })
      .where('status', 'in', ['queued', 'running'])
      .where((eb) =>
        eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', sql<Date>`now()`)]),
      )
      .returning('id')
      .execute();
    return rows.length;
  }

  /** The live view of a job this process runs, if any. */
  live(id: string): { view: ImportJob; events: EventEmitter } | undefined {
    return this.#live.get(id);
  }

  async #run(
    view: ImportJob,
    events: EventEmitter,
    r: ImportRequest,
    target: TargetKind,
  ): Promise<ImportJob> {
    const update = (patch: Partial<ImportJob>, progress?: Partial<ImportProgress>) => {
      Object.assign(view, patch);
      if (progress) view.progress = { ...view.progress, ...progress };
      events.emit('progress', { ...view });
    };
    const db = this.#o.backend.db;
    const tmp = await makeTempDir('import');
    try {
      update({ status: 'running' }, { phase: 'parsing' });
      await db
        .updateTable('import_jobs')
        .set({ status: 'running', phase: 'parsing' })
        .where('id', '=', view.id)
        .execute();
      const existing =
        target === 'custom'
          ? await db
              .selectFrom('custom_layers')
              .select('geometry')
              .where('name', '=', r.layer)
              .executeTakeFirst()
          : undefined;
      // On PostgreSQL the parse streams straight into COPY inside the load's transaction (a long
      // transaction blocks no one there); elsewhere the file is parsed to a spool first, so the
      // embedded database is held only for the load itself.
      const pipelined = this.#o.useWorker !== false && this.#o.backend.caps.concurrentTransactions;
      const options: ParseOptions = {
        path: r.path,
        name: r.fileName,
        format: r.format,
        target,
        mapping: r.mapping,
        srs: r.srs,
        limits: this.#o.limits,
        tmpDir: tmp,
        spoolPath: pipelined ? undefined : join(tmp, 'stage.copy'),
        customGeometry: existing && existing.geometry !== 'mixed' ? existing.geometry : undefined,
        lod: r.lod,
        buildingParts: r.buildingParts,
        spatialRefSys: await this.spatialRefSys(),
        // Buildings load into a table of the dataset's own (load.ts); an upsert stages every row.
        direct: pipelined && target === 'buildings' && r.mode !== 'upsert',
      };
      const onProgress = (p: { bytes: number; features: number }) =>
        update({}, { bytes: p.bytes, features: p.features });
      let stage: Stager;
      if (pipelined) {
        stage = (copy) => parseInWorker(options, view.progress.totalBytes, onProgress, copy);
      } else {
        const parsed: ParseResult =
          this.#o.useWorker === false
            ? await parseToSpool(options, onProgress, view.progress.totalBytes)
            : await parseInWorker(options, view.progress.totalBytes, onProgress);
        update({ format: parsed.format, crs: parsed.crs });
        stage = spoolStager(options.spoolPath!, parsed);
      }
      const result: LoadResult = await loadSpool(this.#o.backend, {
        stage,
        target,
        layer: r.layer,
        mode: r.mode,
        dataset: { name: r.name, source: r.source, licence: r.licence, jobId: view.id },
        actor: r.actor,
        onPhase: (phase) =>
          update({}, { phase: phase === 'loading' && pipelined ? 'parsing' : phase }),
      });
      const parsed = result.parsed;
      update({ format: parsed.format, crs: parsed.crs });
      if (result.customLayer) this.#o.catalog.upsert(customLayerDefinition(result.customLayer));
      const report = {
        job: view.id,
        dataset_id: result.datasetId,
        file: r.fileName,
        format: parsed.format,
        crs: parsed.crs,
        layer: r.layer,
        mode: r.mode,
        features_read: parsed.features,
        skipped_other_kinds: parsed.skipped,
        counts: result.counts,
        extent: result.extent,
        features: result.outcomes,
        features_truncated: result.outcomesTruncated,
        ...(result.customLayer ? { columns: reportColumns(parsed, result.customLayer) } : {}),
        ...(Array.isArray(parsed.summary.renamed) && parsed.summary.renamed.length
          ? { renamed_fields: parsed.summary.renamed }
          : {}),
        ...(Array.isArray(parsed.summary.unmapped) && parsed.summary.unmapped.length
          ? { unmapped_values: parsed.summary.unmapped }
          : {}),
        ...(result.upserted ? { upserted: result.upserted } : {}),
        ...(result.readings !== undefined
          ? { readings: { ...(parsed.summary.readings as object), stored: result.readings } }
          : {}),
      };
      update(
        {
          status: 'succeeded',
          dataset_id: result.datasetId,
          counts: result.counts,
          extent: result.extent,
          finished_at: new Date().toISOString(),
        },
        { phase: 'done' },
      );
      await db
        .updateTable('import_jobs')
        .set({
          status: 'succeeded',
          phase: 'done',
          format: parsed.format,
          crs: parsed.crs,
          dataset_id: result.datasetId,
          counts: jsonb(result.counts),
          extent: result.extent,
          report: jsonb(report),
          progress: jsonb(view.progress),
          finished_at: new Date(),
          lease_expires_at: null,
        })
        .where('id', '=', view.id)
        .execute();
    } catch (error) {
      const e = error as Error;
      const expected =
        e instanceof FileError || e instanceof ImportRequestError || e instanceof CustomLayerError;
      const message = expected
        ? e.message
        : `the import failed and changed nothing: ${dbMessage(e)}`;
      if (!expected) this.#o.onError?.(e, view.id);
      update(
        { status: 'failed', error: message, finished_at: new Date().toISOString() },
        { phase: 'failed' },
      );
      await db
        .updateTable('import_jobs')
        .set({
          status: 'failed',
          phase: 'failed',
          error: message,
          format: view.format,
          crs: view.crs,
          report: jsonb({ job: view.id, file: r.fileName, layer: r.layer, error: message }),
          progress: jsonb(view.progress),
          finished_at: new Date(),
          lease_expires_at: null,
        })
        .where('id', '=', view.id)
        .execute()
        .catch(() => undefined);
    } finally {
      events.emit('end', { ...view });
      await rm(tmp, { recursive: true, force: true });
      if (r.removeFile) await removeUpload(r.path);
      // Keep the finished view a while for late SSE subscribers; the table has it for good.
      setTimeout(() => this.#live.delete(view.id), 60_000).unref();
    }
    return { ...view };
  }
}

/** Removes an upload and the private directory `receiveUpload` made for it (nothing else). */
async function removeUpload(path: string): Promise<void> {
  const dir = dirname(path);
  await rm(
    isTempDirName(basename(dir), 'upload') || basename(dir).startsWith('twin-upload-') ? dir : path,
    { recursive: true, force: true },
  );
}

/** A jsonb parameter both drivers pass through unchanged (text, cast in SQL). */
function jsonb(value: unknown) {
  return sql<string>`${JSON.stringify(value)}::text::jsonb`;
}

/** A database error's own message (constraint names help GIS staff), never a stack or SQL. */
function dbMessage(e: Error): string {
  const m = e.message.split('\n')[0] ?? 'error';
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

/**
 * A custom layer's columns that this file filled, each with the type its table holds (the
 * type the values were detected as, or the existing column's when the layer had it already).
 */
function reportColumns(parsed: ParseResult, layer: CustomLayerRow) {
  const types = new Map(layer.columns.map((c) => [c.name, c.type]));
  return ((parsed.summary.columns ?? []) as CustomColumn[]).map((c) => {
    const type = types.get(c.name) ?? c.type;
    return { name: c.name, type, sql_type: SQL_TYPE[type] };
  });
}
