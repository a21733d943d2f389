import type { ValidationTargets } from 'hono';
import { validator } from 'hono-openapi';
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
