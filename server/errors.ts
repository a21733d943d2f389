import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './log';
import { TwinError } from '../common/twin-error';
import type { ErrorCode } from '../common/api-types';

/** The closed set of error codes clients may see (declared once, in common/). */
export type { ErrorCode } from '../common/api-types';
export { TwinError, type ErrorStatus } from '../common/twin-error';

/** A domain error thrown by handlers and services: `new ApiError(404, 'not_found', '…')`. */
export class ApiError extends TwinError {
  override name = 'ApiError';
}

const badRequest = (message: string) => new ApiError(400, 'bad_request', message);

/** Maps any thrown error to `{ error: { code, message } }`; never leaks stacks or SQL. */
export function errorHandler(log: Logger) {
  return function onError(err: Error, c: Context) {
    const e = toApiError(err);
    if (e.status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    if (e.retryAfterS !== undefined)
      c.header('Retry-After', String(Math.max(1, Math.ceil(e.retryAfterS))));
    else if (e.status === 503) c.header('Retry-After', '5');
    return c.json({ error: { code: e.code, message: e.message } }, e.status);
  };
}

/** The code of an HTTPException (hono's own middleware) by its status; other 4xx: bad_request. */
const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** What an error answers: a domain error its own code and status; anything else by kind. */
function toApiError(err: Error): {
  status: ContentfulStatusCode;
  code: ErrorCode;
  message: string;
  retryAfterS?: number | undefined;
} {
  if (err instanceof TwinError) return err;
  if (err instanceof HTTPException) {
    const code = HTTP_CODES[err.status] ?? (err.status < 500 ? 'bad_request' : 'internal');
    return { status: err.status as ContentfulStatusCode, code, message: err.message || 'error' };
  }
  // A value the database refuses (bad number, date or text; SQLSTATE class 22) is bad input,
  // reported without the SQL or the database's own message (issue #10 item 4).
  const sqlstate = (err as { code?: unknown }).code;
  if (typeof sqlstate === 'string' && /^22[0-9A-Z]{3}$/.test(sqlstate)) {
    return badRequest('a value in the request is out of range or malformed');
  }
  if (err instanceof RangeError || err instanceof URIError)
    return badRequest('a value in the request is out of range or malformed');
  if (isConnectionError(err)) {
    return new ApiError(503, 'unavailable', 'the database is unavailable; try again shortly');
  }
  return new ApiError(500, 'internal', 'internal error');
}

function isConnectionError(err: Error): boolean {
  const code = (err as { code?: string }).code ?? '';
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'CONNECT_TIMEOUT',
      'CONNECTION_CLOSED',
      'CONNECTION_ENDED',
    ].includes(code) || code.startsWith('08') // SQLSTATE class 08: connection exception
  );
}

/**
 * For a write a device retries until it is acknowledged (readings, camera frames): any failure
 * to store answers 503 + Retry-After with `message`, so the sender keeps what it sent and tries
 * again; a domain error (push-back, bad input) keeps its own answer. Use as `.catch(retryLater(…))`.
 */
export const retryLater =
  (message: string) =>
  (error: unknown): never => {
    if (error instanceof TwinError) throw error;
    throw new ApiError(503, 'unavailable', message, { cause: error });
  };

export function notFound(c: Context) {
  return c.json(
    { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } },
    404,
  );
}
