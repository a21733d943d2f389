import type { MiddlewareHandler, ValidationTargets } from 'hono';
import { z } from 'zod';
import { describeRoute, validator } from 'hono-openapi';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ApiError } from './errors';

/** "name: Too big: expected string to have <=200 characters; …" — the first five issues. */
export function describeStandardIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => {
      const path = (i.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/**
 * The one way a route reads its input: a zod validator whose schema also feeds the OpenAPI
 * document (hono-openapi). A failure is our usual `400 {error:{code:"bad_request", message}}`;
 * `{ notFound }` makes it a 404 with that message instead, for a path parameter that names a
 * resource (a malformed id names none).
 */
export function valid<S extends StandardSchemaV1, T extends keyof ValidationTargets>(
  target: T,
  schema: S,
  o: { notFound?: string } = {},
) {
  return validator(target, schema, (result) => {
    if (result.success) return;
    if (o.notFound !== undefined) throw new ApiError(404, 'not_found', o.notFound);
    throw new ApiError(400, 'bad_request', describeStandardIssues(result.error));
  });
}

/**
 * For input no validator middleware can read — the text fields of a multipart upload that is
 * streamed to disk (server/imports/upload.ts) — the same check after the stream: the schema's
 * output, or the same 400 as `valid`.
 */
export function validFields<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ApiError(400, 'bad_request', describeStandardIssues(result.error.issues));
  return result.data;
}

/**
 * The OpenAPI entry of a streamed multipart upload (read by `validFields`, not a middleware): a
 * `file` part and the text fields of `schema` with their allowed values; `required` fields too.
 */
export function multipartDoc(schema: z.ZodObject, required: string[] = []): MiddlewareHandler {
  type Json = { properties?: Record<string, object> };
  const props = (io: 'input' | 'output') =>
    (z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json).properties ?? {};
  // The values a field may take (enums) are in the output schema; clipped text is only in the input.
  const output = props('output');
  const input = props('input');
  const fields = Object.fromEntries(
    Object.keys(input).map((k) => [k, Object.keys(output[k] ?? {}).length ? output[k] : input[k]]),
  );
  return describeRoute({
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary' }, ...fields },
            required: ['file', ...required],
          },
        },
      },
    },
  });
}
