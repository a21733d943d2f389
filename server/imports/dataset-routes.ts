import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { ImportJob, ImportMode } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { pageOf, pageRows } from '../limits/pagination';
import { FORMATS, type Format } from './formats';
import {
  IMPORT_MODES,
  ImportBusyError,
  ImportRequestError,
  type ImportRequest,
  type ImportService,
} from './import-service';
import type { Backend } from '../db/backend';
import { DatasetInUseError, DatasetNotFoundError, deleteDataset } from './delete-dataset';
import { receiveUpload, UploadError } from './upload';
import { previewInWorker } from './parse-in-worker';
import { FileError, type ImportLimits } from './source';
import { CrsError } from './crs';
import { actorOf, principalOf } from '../auth/principal';
import { rm } from 'node:fs/promises';
import { makeTempDir } from './temp-files';

export interface DatasetRoutesOptions {
  db: Kysely<Database>;
  imports: ImportService;
  limits: ImportLimits;
  /** For deletes in one transaction; without it DELETE answers 404. */
  backend?: Backend;
  /** Previews read at once; more answer 503 (default 2). */
  previewConcurrency?: number;
}

/** Features a preview returns at most. */
const PREVIEW_FEATURES = 200;

const jobId = z.uuid();

/**
 * `/api/datasets`: imports and provenance.
 *   POST /preview          multipart upload → format, CRS, fields with sample values, first features (WGS84)
 *   POST /                 multipart upload (file + layer, mode, name, source, licence, srs, map…) → 202 job
 *   GET  /                 every dataset with counts and WGS84 extent
 *   GET  /{job}            an import job: status, progress, counts, extent, error
 *   GET  /{job}/events     server-sent progress events until the job ends
 *   GET  /{job}/report     the per-feature report (JSON; ?format=csv for a table)
 *   DELETE /{id}           a dataset (numeric id) and all its features, in one transaction
 */
export function datasetRoutes({
  db,
  imports,
  limits,
  backend,
  previewConcurrency = 2,
}: DatasetRoutesOptions) {
  const maxUploadBytes = limits.maxFileBytes;
  let previews = 0;
  const findJob = async (id: string): Promise<ImportJob | null> => {
    if (!jobId.safeParse(id).success) return null;
    const live = imports.live(id);
    if (live) return { ...live.view };
    const row = await db
      .selectFrom('import_jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const p = row.progress as Partial<ImportJob['progress']>;
    return {
      id: row.id,
      status: row.status,
      name: row.name,
      layer: row.layer,
      mode: row.mode as ImportMode,
      file_name: row.file_name,
      format: row.format,
      crs: row.crs,
      progress: {
        phase: (p.phase ?? row.phase) as ImportJob['progress']['phase'],
        bytes: p.bytes ?? 0,
        totalBytes: p.totalBytes ?? Number(row.file_bytes),
        features: p.features ?? 0,
      },
      dataset_id: row.dataset_id === null ? null : String(row.dataset_id),
      counts: row.counts as ImportJob['counts'],
      extent: row.extent as ImportJob['extent'],
      error: row.error,
      created_at: new Date(row.created_at).toISOString(),
      finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    };
  };
  const mustFindJob = async (id: string) => {
    const job = await findJob(id);
    if (!job) throw new ApiError(404, 'not_found', `no import job ${id.slice(0, 40)}`);
    return job;
  };

  const receive = async (c: { req: { raw: Request }; env?: { incoming?: IncomingMessage } }) => {
    const headers = Object.fromEntries(c.req.raw.headers.entries());
    try {
      return await receiveUpload(headers, c.env?.incoming ?? c.req.raw.body, maxUploadBytes);
    } catch (error) {
      if (error instanceof UploadError)
        throw new ApiError(
          error.tooLarge ? 413 : 400,
          error.tooLarge ? 'too_large' : 'bad_request',
          error.message,
        );
      throw error;
    }
  };

  return new Hono<{ Bindings: { incoming?: IncomingMessage } }>()
    .post('/preview', async (c) => {
      // Checked before the upload is read: a busy twin refuses at once rather than store it.
      if (previews >= previewConcurrency)
        throw new ApiError(
          503,
          'unavailable',
          `${previews} previews are being read; try again shortly`,
        );
      previews++;
      let upload: Awaited<ReturnType<typeof receive>>;
      try {
        upload = await receive(c);
      } catch (error) {
        previews--;
        throw error;
      }
      const tmp = await makeTempDir('preview');
      try {
        const format = upload.fields.get('format')?.[0] as Format | undefined;
        if (format && !FORMATS.includes(format))
          throw new ApiError(400, 'bad_request', `format must be one of ${FORMATS.join(', ')}`);
        const field = (k: string) => upload.fields.get(k)?.[0]?.trim() || undefined;
        const parts = field('parts');
        if (parts !== undefined && parts !== 'merge' && parts !== 'keep')
          throw new ApiError(400, 'bad_request', 'parts must be merge or keep');
        const preview = await previewInWorker({
          path: upload.path,
          name: upload.fileName,
          format,
          srs: field('srs'),
          limits,
          tmpDir: tmp,
          limit: PREVIEW_FEATURES,
          lod: field('lod'),
          buildingParts: parts,
          spatialRefSys: await imports.spatialRefSys(),
        });
        return c.json({ file_name: upload.fileName, bytes: upload.bytes, ...preview });
      } catch (error) {
        if (error instanceof FileError || error instanceof CrsError)
          throw new ApiError(400, 'bad_request', error.message);
        throw error;
      } finally {
        previews--;
        await rm(tmp, { recursive: true, force: true });
        await upload.discard();
      }
    })
    .post('/', async (c) => {
      const upload = await receive(c);
      const one = (k: string) => upload.fields.get(k)?.[0]?.trim() || undefined;
      try {
        const layer = one('layer');
        if (!layer)
          throw new ImportRequestError(
            'field "layer" is required (buildings, roads, water, power, sensors, or a new layer name)',
          );
        const mode = (one('mode') ?? 'replace') as ImportMode;
        if (!IMPORT_MODES.includes(mode))
          throw new ImportRequestError(`mode must be one of ${IMPORT_MODES.join(', ')}`);
        const format = one('format') as Format | undefined;
        if (format && !FORMATS.includes(format))
          throw new ImportRequestError(`format must be one of ${FORMATS.join(', ')}`);
        const mapping = (upload.fields.get('map') ?? [])
          .flatMap((m) => m.split('\n'))
          .map((m) => m.trim())
          .filter(Boolean);
        const { job } = await imports.submit({
          path: upload.path,
          fileName: upload.fileName,
          layer,
          mode,
          mapping,
          srs: one('srs'),
          format,
          name: (one('name') ?? upload.fileName).slice(0, 200),
          source: (one('source') ?? `upload: ${upload.fileName}`).slice(0, 500),
          licence: (one('licence') ?? 'unspecified').slice(0, 200),
          lod: one('lod'),
          buildingParts: one('parts') as ImportRequest['buildingParts'],
          removeFile: true,
          actor: actorOf(principalOf(c)),
        });
        return c.json({ job, links: links(job.id) }, 202);
      } catch (error) {
        await upload.discard();
        if (error instanceof ImportRequestError)
          throw new ApiError(400, 'bad_request', error.message);
        if (error instanceof ImportBusyError) throw new ApiError(503, 'unavailable', error.message);
        throw error;
      }
    })
    .delete('/:id{[0-9]+}', async (c) => {
      const id = c.req.param('id');
      if (!backend || id.length > 18)
        throw new ApiError(404, 'not_found', `no dataset ${id.slice(0, 20)}`);
      try {
        return c.json(await deleteDataset(backend, id, actorOf(principalOf(c))));
      } catch (error) {
        if (error instanceof DatasetNotFoundError)
          throw new ApiError(404, 'not_found', error.message);
        if (error instanceof DatasetInUseError)
          throw new ApiError(409, 'bad_request', error.message);
        throw error;
      }
    })
    .get('/', async (c) => {
      const page = pageOf(c);
      const found = await db
        .selectFrom('datasets')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      const { items: rows, next } = pageRows(found, page);
      return c.json({
        next,
        datasets: rows.map((r) => ({
          id: String(r.id),
          name: r.name,
          layer: r.layer,
          source: r.source,
          licence: r.licence,
          imported_at: new Date(r.imported_at).toISOString(),
          synthetic: r.synthetic,
          mode: r.mode,
          format: r.format,
          crs: r.crs,
          feature_count: r.feature_count,
          counts: {
            accepted: r.layer === null ? r.feature_count : r.accepted,
            repaired: r.repaired,
            rejected: r.rejected,
          },
          extent: r.extent ? r.extent.map(Number) : null,
          job: r.job_id,
        })),
      });
    })
    .get('/:job', async (c) => {
      const job = await mustFindJob(c.req.param('job'));
      return c.json({ job, links: links(job.id) });
    })
    .get('/:job/events', async (c) => {
      const job = await mustFindJob(c.req.param('job'));
      return streamSSE(c, async (stream) => {
        const live = imports.live(job.id);
        await stream.writeSSE({ event: 'progress', data: JSON.stringify(live?.view ?? job) });
        if (!live || live.view.status === 'succeeded' || live.view.status === 'failed') {
          await stream.writeSSE({ event: 'end', data: JSON.stringify(live?.view ?? job) });
          return;
        }
        await new Promise<void>((resolve) => {
          let last = 0;
          const onProgress = (v: ImportJob) => {
            const now = Date.now();
            if (now - last < 200) return; // at most five updates a second
            last = now;
            void stream.writeSSE({ event: 'progress', data: JSON.stringify(v) });
          };
          const onEnd = (v: ImportJob) => {
            live.events.off('progress', onProgress);
            void stream.writeSSE({ event: 'end', data: JSON.stringify(v) }).then(() => resolve());
          };
          live.events.on('progress', onProgress);
          live.events.once('end', onEnd);
          stream.onAbort(() => {
            live.events.off('progress', onProgress);
            live.events.off('end', onEnd);
            resolve();
          });
        });
      });
    })
    .get('/:job/report', async (c) => {
      const id = c.req.param('job');
      if (!jobId.safeParse(id).success) throw new ApiError(404, 'not_found', 'no such import job');
      const row = await db
        .selectFrom('import_jobs')
        .select(['report', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new ApiError(404, 'not_found', 'no such import job');
      if (!row.report)
        throw new ApiError(
          409,
          'bad_request',
          `the job is ${row.status}; its report is written when it ends`,
        );
      const report = row.report as {
        features?: { idx: number; source_id: string | null; status: string; reason: string }[];
      };
      if (c.req.query('format') === 'csv') {
        const esc = (v: unknown) =>
          v === null || v === undefined
            ? ''
            : /[",\n]/.test(String(v))
              ? `"${String(v).replaceAll('"', '""')}"`
              : String(v);
        const lines = [
          'feature,source_id,status,reason',
          ...(report.features ?? []).map((f) =>
            [f.idx, f.source_id, f.status, f.reason].map(esc).join(','),
          ),
        ];
        c.header('Content-Type', 'text/csv; charset=utf-8');
        c.header('Content-Disposition', `attachment; filename="import-${id}.csv"`);
        return c.body(`${lines.join('\n')}\n`);
      }
      c.header('Content-Disposition', `attachment; filename="import-${id}.json"`);
      return c.json(report);
    });
}

function links(id: string) {
  return {
    self: `/api/datasets/${id}`,
    events: `/api/datasets/${id}/events`,
    report: `/api/datasets/${id}/report`,
  };
}
