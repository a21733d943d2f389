import { z } from 'zod';
import { ApiError } from '../errors';

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

/** `bbox=west,south,east,north` in WGS84 degrees. */
export const bbox = z.string().transform((s, ctx) => {
  const p = s.split(',').map((x) => Number(x.trim()));
  const [w, so, e, n] = p as [number, number, number, number];
  if (
    p.length !== 4 ||
    !p.every(Number.isFinite) ||
    w >= e ||
    so >= n ||
    Math.abs(w) > 180 ||
    Math.abs(e) > 180 ||
    Math.abs(so) > 90 ||
    Math.abs(n) > 90
  ) {
    ctx.addIssue({
      code: 'custom',
      message: 'bbox: west,south,east,north in degrees, west < east, south < north',
    });
    return z.NEVER;
  }
  return [w, so, e, n] as [number, number, number, number];
});

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

/** Parses query parameters with a zod schema; a failure is a 400 naming each bad parameter. */
export function parseQuery<T extends z.ZodType>(
  schema: T,
  query: Record<string, string>,
): z.output<T> {
  const r = schema.safeParse(query);
  if (!r.success) {
    throw new ApiError(
      400,
      'bad_request',
      r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}
