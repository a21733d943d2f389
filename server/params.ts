import { z } from 'zod';
import { TwinError } from './errors';
import { clampToMercator, parseBbox } from '../tiles/bbox';

/** `kind=traffic_speed,power_load`. */
export const kindList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== ''),
  )
  .refine((ks) => ks.length > 0 && ks.every((k) => /^[a-z][a-z0-9_]{0,39}$/.test(k)), {
    message: 'kind: comma-separated sensor kinds such as traffic_speed,power_load',
  });

/** A parser of ours (it throws a TwinError) as a zod transform: its message becomes the issue. */
const parsedBy =
  <I, O>(parse: (v: I) => O) =>
  (v: I, ctx: z.RefinementCtx): O => {
    try {
      return parse(v);
    } catch (error) {
      if (!(error instanceof TwinError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  };

/** `bbox=west,south,east,north` in WGS84 degrees (the one parser: tiles/bbox.ts). */
export const bbox = z.string().transform(parsedBy(parseBbox));

/** A `bbox` that is projected to EPSG:3857: its latitudes clamped to web mercator's limit. */
export const mercatorBbox = bbox.transform(parsedBy(clampToMercator));

/** Times a client may ask about: within a hundred years of now (issue #10 item 4). */
export const TIME_SPAN_MS = 100 * 365.25 * 86_400_000;

/** An ISO 8601 time (or epoch milliseconds), finite and within ±100 years of now. */
export const time = z.string().transform((s, ctx) => {
  const t = /^\d{1,16}$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN;
  if (!Number.isFinite(t)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected an ISO 8601 time, e.g. 2026-11-29T12:00:00Z',
    });
    return z.NEVER;
  }
  if (Math.abs(t - Date.now()) > TIME_SPAN_MS) {
    ctx.addIssue({ code: 'custom', message: 'the time must be within 100 years of now' });
    return z.NEVER;
  }
  return new Date(t);
});

const NAMED_BUCKETS: Record<string, number> = {
  '1m': 60,
  '5m': 300,
  '15m': 900,
  '1h': 3600,
  '1d': 86400,
};

/** `bucket=5m` (1m, 5m, 15m, 1h, 1d) or seconds. */
export const bucket = z.string().transform((s, ctx) => {
  const n = NAMED_BUCKETS[s] ?? (/^\d{1,7}$/.test(s) ? Number(s) : NaN);
  if (!Number.isFinite(n) || n < 1) {
    ctx.addIssue({ code: 'custom', message: 'bucket: 1m, 5m, 15m, 1h, 1d or a number of seconds' });
    return z.NEVER;
  }
  return n;
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A scenario id (path or query): a UUID, lower-cased; else 400 (it never reaches SQL). */
export const scenarioId = z
  .string()
  .regex(UUID, 'scenario id must be a UUID')
  .transform((s) => s.toLowerCase());

/** A row id that fits a bigint: a positive decimal integer of at most 18 digits. */
export const rowId = (what: string) =>
  z.string().regex(/^[1-9][0-9]{0,17}$/, `${what} must be a positive integer`);

/** `/{id}` of a scenario's routes. */
export const ScenarioParam = z.object({ id: scenarioId });
