import { Hono } from 'hono';
import { ApiError, retryLater } from '../errors';
import { parseReadingBatch } from './reading-parser';
import type { SensorService } from './sensor-service';

/** Bytes one reading may take on the wire, on average, before a batch counts as too large. */
const BYTES_PER_READING = 512;

/** A batch not stored, whatever the cause (push-back: IngestBusyError), is a 503: retry later. */
export const unavailable = retryLater(
  'the database is unavailable; nothing was stored, retry shortly',
);

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
    // A malformed batch throws BatchFormatError: 400, or 413 for too many items.
    const parsed = parseReadingBatch(body, { maxItems: maxBatch, maxFutureMs: maxFutureS * 1000 });
    // With NATS_URL: stored in JetStream (PubAck) before answering; consumed after (issue #16).
    const result = await (
      service.nats ? service.nats.publish(parsed) : service.ingest(parsed)
    ).catch(unavailable);
    return c.json(result);
  });
}
