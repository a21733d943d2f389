import { Hono } from 'hono';
import { ApiError } from '../errors';
import { IngestBusyError } from './ingest-writer';
import { BatchFormatError, parseReadingBatch } from './reading-parser';
import type { SensorService } from './sensor-service';

/** Bytes one reading may take on the wire, on average, before a batch counts as too large. */
const BYTES_PER_READING = 512;

/** Turns ingest's push-back and database failures into 503 + Retry-After. */
export function unavailable(error: unknown): never {
  if (error instanceof ApiError) throw error;
  const message =
    error instanceof IngestBusyError
      ? error.message
      : 'the database is unavailable; nothing was stored, retry shortly';
  throw new ApiError(503, 'unavailable', message, { cause: error });
}

/**
 * `POST /api/ingest/readings`: a JSON array or NDJSON of `{sensor, ts, value}`, at most
 * `TWIN_INGEST_MAX_BATCH` items. Answers after COMMIT with accepted / duplicate / rejected counts
 * and a reason per rejected item. The ingest key is checked by the guard (policy `ingest`).
 */
export function ingestRoutes(service: SensorService) {
  const { maxBatch, maxFutureS } = service.config.sensors;
  return new Hono().post('/readings', async (c) => {
    const length = Number(c.req.header('Content-Length') ?? 0);
    if (length > maxBatch * BYTES_PER_READING) {
      throw new ApiError(413, 'too_large', `a batch holds at most ${maxBatch} readings; split it`);
    }
    const body = await c.req.text();
    let parsed;
    try {
      parsed = parseReadingBatch(body, { maxItems: maxBatch, maxFutureMs: maxFutureS * 1000 });
    } catch (error) {
      if (error instanceof BatchFormatError) {
        const tooMany = error.message.startsWith('a batch holds');
        throw new ApiError(
          tooMany ? 413 : 400,
          tooMany ? 'too_large' : 'bad_request',
          error.message,
        );
      }
      throw error;
    }
    // With NATS_URL: stored in JetStream (PubAck) before answering; consumed after (issue #16).
    const result = await (
      service.nats ? service.nats.publish(parsed) : service.ingest(parsed)
    ).catch(unavailable);
    return c.json(result);
  });
}
