import type { RejectReason } from '../../common/sensor-types';
import { TwinError } from '../../common/twin-error';

/** A reading that passed the shape checks; its sensor is still to be resolved. */
export interface ParsedReading {
  index: number;
  sensor: string;
  /** Epoch milliseconds. */
  ts: number;
  value: number;
}

export interface Rejection {
  index: number;
  reason: RejectReason;
  message: string;
}

export interface ParseResult {
  readings: ParsedReading[];
  rejected: Rejection[];
}

/** Thrown when the body as a whole cannot be read (not one bad item: the whole request). */
export class BatchFormatError extends TwinError {
  override name = 'BatchFormatError';
  constructor(message: string, tooMany = false) {
    super(tooMany ? 413 : 400, tooMany ? 'too_large' : 'bad_request', message);
  }
}

/** NUL, or a UTF-16 surrogate without its pair. */
const NOT_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Earliest timestamp accepted: 1970-01-01 (epoch ms must be positive). */
const MIN_TS = 0;

/**
 * Splits a request body — a JSON array, or NDJSON (one object per line) — into readings and
 * per-item rejections. A malformed NDJSON line rejects that line only; a JSON array that does
 * not parse rejects the request.
 */
export function parseReadingBatch(
  body: string,
  {
    maxItems,
    maxFutureMs,
    now = Date.now(),
  }: { maxItems: number; maxFutureMs: number; now?: number },
): ParseResult {
  const latestTs = now + maxFutureMs;
  const out: ParseResult = { readings: [], rejected: [] };
  const check = (index: number, item: unknown) => {
    const r = checkReading(item, latestTs);
    if ('reason' in r) out.rejected.push({ index, reason: r.reason, message: r.message });
    else out.readings.push({ index, sensor: r.sensor, ts: r.ts, value: r.value });
  };
  const trimmed = body.trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new BatchFormatError(`the body is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new BatchFormatError('expected a JSON array of readings');
    if (parsed.length > maxItems) throw tooMany(maxItems);
    for (let i = 0; i < parsed.length; i++) check(i, parsed[i]);
    return out;
  }
  if (trimmed === '') return out;
  let index = 0;
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    if (index === maxItems) throw tooMany(maxItems);
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch {
      out.rejected.push({ index: index++, reason: 'malformed', message: 'line is not valid JSON' });
      continue;
    }
    check(index++, item);
  }
  return out;
}

const tooMany = (maxItems: number) =>
  new BatchFormatError(`a batch holds at most ${maxItems} readings; split it`, true);

/** Validates one `{sensor, ts, value}`; returns the reading or why it is rejected. */
export function checkReading(
  item: unknown,
  latestTs: number,
): Omit<ParsedReading, 'index'> | Omit<Rejection, 'index'> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { reason: 'malformed', message: 'expected an object {sensor, ts, value}' };
  }
  const { sensor, ts, value } = item as Record<string, unknown>;
  let ref: string;
  if (typeof sensor === 'string' && sensor.length > 0 && sensor.length <= 200) {
    // PostgreSQL text holds neither NUL nor half a UTF-16 surrogate pair (invalid UTF-8).
    if (NOT_TEXT.test(sensor))
      return { reason: 'malformed', message: 'sensor contains a NUL byte or invalid UTF-8' };
    ref = sensor;
  } else if (typeof sensor === 'number' && Number.isSafeInteger(sensor) && sensor > 0)
    ref = String(sensor);
  else
    return { reason: 'malformed', message: 'sensor must be an id or an external id (1–200 chars)' };

  const t = parseTimestamp(ts);
  if (t === undefined) {
    return { reason: 'malformed', message: 'ts must be an ISO 8601 time or epoch milliseconds' };
  }
  if (t > latestTs) return { reason: 'ts_in_future', message: 'ts is too far in the future' };

  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      return { reason: 'value_not_finite', message: 'value is not finite' };
  } else if (value === null || value === 'NaN' || value === 'Infinity' || value === '-Infinity') {
    return { reason: 'value_not_finite', message: 'value is not a finite number' };
  } else {
    return { reason: 'malformed', message: 'value must be a number' };
  }
  return { sensor: ref, ts: t, value };
}

/** ISO 8601 with a date and time, or epoch milliseconds; undefined when neither. */
export function parseTimestamp(ts: unknown): number | undefined {
  let t: number;
  if (typeof ts === 'number') t = ts;
  else if (typeof ts === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(ts))
    t = Date.parse(ts);
  else return undefined;
  // Readings are stored to the millisecond; PostgreSQL's range ends far beyond year 9999.
  if (!Number.isFinite(t) || t < MIN_TS || t > 253402300799999) return undefined;
  return Math.round(t);
}
