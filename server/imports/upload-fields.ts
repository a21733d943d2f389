import { z } from 'zod';
import { FORMATS } from './formats';
import type { ImportMode } from './load';

const MODES = ['replace', 'append', 'upsert'] as const satisfies readonly ImportMode[];

/** A text field of the form: trimmed, and absent when blank. */
const text = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() || undefined : v),
    z.string().max(max).optional(),
  );

/** A text field kept to its first `max` characters (names and provenance are never refused). */
const clipped = (max: number) =>
  text(64 * 1024).transform((v) => (v === undefined ? undefined : v.slice(0, max)));

const format = z.enum(FORMATS, { message: `format must be one of ${FORMATS.join(', ')}` });
const parts = z.enum(['merge', 'keep'], { message: 'parts must be merge or keep' });

/** The fields of `POST /api/datasets/preview` (besides the file). */
export const PreviewFields = z.object({
  format: text(40).pipe(format.optional()),
  srs: text(64 * 1024),
  lod: text(20),
  parts: text(20).pipe(parts.optional()),
});

/** The fields of `POST /api/datasets` (besides the file). */
export const ImportFields = z.object({
  layer: text(200).pipe(
    z.string({
      message:
        'field "layer" is required (buildings, roads, water, power, sensors, or a new layer name)',
    }),
  ),
  mode: text(40).pipe(
    z.enum(MODES, { message: `mode must be one of ${MODES.join(', ')}` }).default('replace'),
  ),
  format: text(40).pipe(format.optional()),
  srs: text(64 * 1024),
  name: clipped(200),
  source: clipped(500),
  licence: clipped(200),
  lod: text(20),
  parts: text(20).pipe(parts.optional()),
  /** `target=expression` lines; the field may repeat, and each may hold several lines. */
  map: z
    .array(z.string())
    .default([])
    .transform((all) =>
      all
        .flatMap((m) => m.split('\n'))
        .map((m) => m.trim())
        .filter(Boolean),
    ),
});

/**
 * The form's text fields as a zod schema reads them: one value per field, except `map`, which
 * keeps every value (the fields come from the streamed multipart reader, server/imports/upload.ts).
 */
export function formValues(fields: Map<string, string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of fields) out[name] = name === 'map' ? values : (values[0] ?? '');
  return out;
}
