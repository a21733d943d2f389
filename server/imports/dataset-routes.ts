import { Hono } from 'hono';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { ImportJob, ImportMode } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { PageQuery, pageOf, pageRows } from '../limits/pagination';
import { multipartDoc, valid, validFields } from '../validate';
import type { ImportService } from './import-service';
import { formValues, ImportFields, PreviewFields } from './upload-fields';
import type { Backend } from '../db/backend';
import { deleteDataset } from './delete-dataset';
import { receiveUpload } from './upload';
import { previewInWorker } from './parse-in-worker';
import type { ImportLimits } from './source';
import { actorOf, principalOf } from '../auth/principal';
import { rm } from 'node:fs/promises';
import { eventStream } from '../event-stream';
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

/**
 * `/{id}` of an import job: a UUID (anything else names no job: 404). Datasets share the path
 * with their numeric ids (DELETE /{id}, GET /{id}/export), so the OpenAPI paths agree.
 */
const JobParam = z.object({ id: z.uuid() });
const NO_JOB = 'no such import job';
/** `/{id}` of a dataset: its numeric id (the route's pattern), a bigint. */
const DatasetParam = z.object({
  id: z
    .string()
    .regex(/^[0-9]+$/)
    .refine((id) => id.length <= 18),
});
/** `?format=csv` for the report as a table; JSON otherwise. */
const ReportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });

/**
 * `/api/datasets`: imports and provenance.
 *   POST /preview          multipart upload → format, CRS, fields with sample values, first features (WGS84)
 *   POST /                 multipart upload (file + layer, mode, name, source, licence, srs, map…) → 202 job
 *   GET  /                 every dataset with counts and WGS84 extent
 *   GET  /{id}             an import job (its UUID): status, progress, counts, extent, error
 *   GET  /{id}/events      server-sent progress events until the job ends
 *   GET  /{id}/report      the per-feature report (JSON; ?format=csv for a table)
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

  /** The multipart upload, streamed to a temporary file (UploadError: 400, or 413 over the limit). */
  const receive = (c: { req: { raw: Request }; env?: { incoming?: IncomingMessage } }) =>
    receiveUpload(
      Object.fromEntries(c.req.raw.headers.entries()),
      c.env?.incoming ?? c.req.raw.body,
      maxUploadBytes,
    );

  return new Hono<{ Bindings: { incoming?: IncomingMessage } }>()
    .post('/preview', multipartDoc(PreviewFields), async (c) => {
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
        const f = validFields(PreviewFields, formValues(upload.fields));
        const preview = await previewInWorker({
          path: upload.path,
          name: upload.fileName,
          format: f.format,
          srs: f.srs,
          limits,
          tmpDir: tmp,
          limit: PREVIEW_FEATURES,
          lod: f.lod,
          buildingParts: f.parts,
          spatialRefSys: await imports.spatialRefSys(),
        });
        // A bad file (FileError) or CRS (CrsError) answers 400 through onError.
        return c.json({ file_name: upload.fileName, bytes: upload.bytes, ...preview });
      } finally {
        previews--;
        await rm(tmp, { recursive: true, force: true });
        await upload.discard();
      }
    })
    .post('/', multipartDoc(ImportFields, ['layer']), async (c) => {
      const upload = await receive(c);
      try {
        const f = validFields(ImportFields, formValues(upload.fields));
        const { job } = await imports.submit({
          path: upload.path,
          fileName: upload.fileName,
          layer: f.layer,
          mode: f.mode,
          mapping: f.map,
          srs: f.srs,
          format: f.format,
          name: f.name ?? upload.fileName.slice(0, 200),
          source: f.source ?? `upload: ${upload.fileName}`.slice(0, 500),
          licence: f.licence ?? 'unspecified',
          lod: f.lod,
          buildingParts: f.parts,
          removeFile: true,
          actor: actorOf(principalOf(c)),
        });
        return c.json({ job, links: links(job.id) }, 202);
      } catch (error) {
        // Not submitted (bad fields 400, ImportRequestError 400, ImportBusyError 503): the file goes now.
        await upload.discard();
        throw error;
      }
    })
    .delete(
      '/:id{[0-9]+}',
      valid('param', DatasetParam, { notFound: 'no such dataset' }),
      async (c) => {
        const { id } = c.req.valid('param');
        if (!backend) throw new ApiError(404, 'not_found', `no dataset ${id}`);
        // DatasetNotFoundError answers 404, DatasetInUseError 409.
        return c.json(await deleteDataset(backend, id, actorOf(principalOf(c))));
      },
    )
    .get('/', valid('query', PageQuery), async (c) => {
      const page = pageOf(c.req.valid('query'));
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
    .get('/:id', valid('param', JobParam, { notFound: NO_JOB }), async (c) => {
      const job = await mustFindJob(c.req.valid('param').id);
      return c.json({ job, links: links(job.id) });
    })
    .get('/:id/events', valid('param', JobParam, { notFound: NO_JOB }), async (c) => {
      const job = await mustFindJob(c.req.valid('param').id);
      return eventStream(c, (stream) => {
        const live = imports.live(job.id);
        stream.event('progress', JSON.stringify(live?.view ?? job));
        if (!live || live.view.status === 'succeeded' || live.view.status === 'failed') {
          stream.event('end', JSON.stringify(live?.view ?? job));
          stream.close();
          return;
        }
        let last = 0;
        const onProgress = (v: ImportJob) => {
          const now = Date.now();
          if (now - last < 200) return; // at most five updates a second
          last = now;
          stream.event('progress', JSON.stringify(v));
        };
        const onEnd = (v: ImportJob) => {
          stream.event('end', JSON.stringify(v));
          stream.close();
        };
        live.events.on('progress', onProgress);
        live.events.once('end', onEnd);
        void stream.ended.then(() => {
          live.events.off('progress', onProgress);
          live.events.off('end', onEnd);
        });
      });
    })
    .get(
      '/:id/report',
      valid('param', JobParam, { notFound: NO_JOB }),
      valid('query', ReportQuery),
      async (c) => {
        const { id } = c.req.valid('param');
        const row = await db
          .selectFrom('import_jobs')
          .select(['report', 'status'])
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw new ApiError(404, 'not_found', NO_JOB);
        if (!row.report)
          throw new ApiError(
            409,
            'bad_request',
            `the job is ${row.status}; its report is written when it ends`,
          );
        const report = row.report as {
          features?: { idx: number; source_id: string | null; status: string; reason: string }[];
        };
        if (c.req.valid('query').format === 'csv') {
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
      },
    );
}

function links(id: string) {
  return {
    self: `/api/datasets/${id}`,
    events: `/api/datasets/${id}/events`,
    report: `/api/datasets/${id}/report`,
  };
}
