import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from './log';
import { TileCoordError } from '../tiles/tile-coords';
import { TileTimeoutError, UnknownLayerError } from '../tiles/tile-service';

/** The closed set of error codes clients may see (declared once, in common/). */
export type { ErrorCode } from '../common/api-types';
import type { ErrorCode } from '../common/api-types';

/** A domain error with a code and an HTTP status, thrown by handlers and services. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** Sent as `Retry-After` (seconds), e.g. with 429 and 503. */
  retryAfterS: number | undefined;
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
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

function toApiError(err: Error): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof TileCoordError) return badRequest(err.message);
  if (err instanceof UnknownLayerError) return new ApiError(404, 'not_found', err.message);
  if (err instanceof TileTimeoutError) return new ApiError(503, 'timeout', err.message);
  if (err instanceof HTTPException) {
    const code: ErrorCode =
      err.status === 404
        ? 'not_found'
        : err.status === 401
          ? 'unauthorized'
          : err.status === 403
            ? 'forbidden'
            : err.status < 500
              ? 'bad_request'
              : 'internal';
    return new ApiError(err.status as ContentfulStatusCode, code, err.message || 'error');
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

export function notFound(c: Context) {
  return c.json(
    { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } },
    404,
  );
}
