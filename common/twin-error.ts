import type { ErrorCode } from './api-types';

/** The HTTP statuses an error of the twin may answer with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

/**
 * The base of every domain error (an import's bad file, an unknown layer, a full queue): it
 * carries the `ErrorCode` and HTTP status clients see, so services throw it and the app's one
 * `onError` (server/errors.ts) answers `{ error: { code, message } }` — routes translate nothing.
 * Its message is shown to the client: never put SQL, paths or a stack in it.
 */
export class TwinError extends Error {
  override name = 'TwinError';
  /** Sent as `Retry-After` (seconds), e.g. with 429 and 503. */
  retryAfterS: number | undefined;
  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The base of a domain error with one status and code, named for logs:
 * `export class CrsError extends twinError('CrsError', 400, 'bad_request') {}`.
 */
export function twinError(name: string, status: ErrorStatus, code: ErrorCode) {
  return class extends TwinError {
    override name = name;
    constructor(message: string, options?: ErrorOptions) {
      super(status, code, message, options);
    }
  };
}
