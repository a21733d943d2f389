import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { pino } from 'pino';
import { ApiError, TwinError, errorHandler } from './errors';
import { TileCoordError } from '../tiles/tile-coords';
import { TileTimeoutError, UnknownLayerError } from '../tiles/tile-service';
import { BboxError } from '../tiles/bbox';
import { FileError } from './imports/source';
import { CrsError } from './imports/crs';
import { UploadError } from './imports/upload';
import { ImportBusyError, ImportRequestError } from './imports/import-service';
import { DatasetInUseError, DatasetNotFoundError } from './imports/delete-dataset';
import { ExportError } from './exports/export-service';
import { BatchFormatError } from './sensors/reading-parser';
import { IngestBusyError } from './sensors/ingest-writer';

/** An app whose one route throws `error`, answered by the app's own onError. */
async function answer(error: unknown) {
  const app = new Hono();
  app.onError(errorHandler(pino({ level: 'silent' })));
  app.get('/', () => {
    throw error;
  });
  const res = await app.request('/');
  return { status: res.status, retryAfter: res.headers.get('Retry-After'), body: await res.text() };
}

describe('domain errors carry their code, and onError answers them', () => {
  it.each([
    [new TileCoordError('z must be at most 22'), 400, 'bad_request'],
    [new BboxError('bbox: bad'), 400, 'bad_request'],
    [new UnknownLayerError('unknown layer: x'), 404, 'not_found'],
    [new TileTimeoutError('the tile took too long'), 503, 'timeout'],
    [new FileError('truncated file'), 400, 'bad_request'],
    [new CrsError('unknown CRS'), 400, 'bad_request'],
    [new UploadError('not multipart'), 400, 'bad_request'],
    [new UploadError('too big', true), 413, 'too_large'],
    [new ImportRequestError('field "layer" is required'), 400, 'bad_request'],
    [new ImportBusyError('the queue is full'), 503, 'unavailable'],
    [new DatasetNotFoundError('no dataset 7'), 404, 'not_found'],
    [new DatasetInUseError('dataset 7 is in use'), 409, 'bad_request'],
    [new ExportError('bad part', 400), 400, 'bad_request'],
    [new ExportError('too many features', 413), 413, 'too_large'],
    [new ExportError('busy', 503), 503, 'unavailable'],
    [new BatchFormatError('the body is not valid JSON'), 400, 'bad_request'],
    [new BatchFormatError('a batch holds at most 10 readings; split it', true), 413, 'too_large'],
    [new IngestBusyError('ingest is saturated'), 503, 'unavailable'],
    [new ApiError(415, 'unsupported_media_type', 'send JSON'), 415, 'unsupported_media_type'],
  ] as const)('%s answers %i %s', async (error, status, code) => {
    expect(error).toBeInstanceOf(TwinError);
    const res = await answer(error);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toEqual({ error: { code, message: error.message } });
    if (status === 503) expect(res.retryAfter).toBe('5');
  });

  it('keeps a 429 with its Retry-After', async () => {
    const e = new ApiError(429, 'rate_limited', 'slow down');
    e.retryAfterS = 12.2;
    const res = await answer(e);
    expect(res.status).toBe(429);
    expect(res.retryAfter).toBe('13');
    expect(JSON.parse(res.body).error.code).toBe('rate_limited');
  });

  it('maps HTTP 401, 403, 413, 415 and 429 from middleware to their codes', async () => {
    for (const [status, code] of [
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [413, 'too_large'],
      [415, 'unsupported_media_type'],
      [429, 'rate_limited'],
      [400, 'bad_request'],
    ] as const) {
      const res = await answer(new HTTPException(status, { message: 'no' }));
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body).error.code).toBe(code);
    }
  });

  it('answers anything else as a bare 500, never its message, stack or SQL', async () => {
    const res = await answer(new Error('syntax error at or near "SELECT" in /srv/x.ts:12'));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'internal', message: 'internal error' },
    });
  });
});
