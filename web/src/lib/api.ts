import type { ApiErrorBody } from '../../../common/api-types';

/** A failed API call, with a message fit to show a user. `status` 0: no answer at all. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    readonly status: number,
    message: string,
    /** The server's error code (`{ error: { code } }`), when it sent one. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart form data (uploads) instead of `body`. */
  form?: FormData;
  /** Statuses that are answers, not errors (202 while a job runs, say): returned as they are. */
  accept?: readonly number[];
  /** Retries of a GET on no answer, 502, 503 or 504 (default 2); 0 for none. */
  retries?: number;
  /** The browser cache mode (`no-store` for a health check). */
  cache?: RequestCache;
}

const RETRY_STATUSES = new Set([0, 502, 503, 504]);
const SAFE = new Set(['GET', 'HEAD']);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

/** The server's `{ error: { code, message } }`, or the status line for anything else. */
async function errorOf(res: Response): Promise<ApiRequestError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let code: string | null = null;
  try {
    const body = (await res.json()) as Partial<ApiErrorBody>;
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // Not our JSON error (a proxy's page, say): keep the status line.
  }
  return new ApiRequestError(res.status, message, code);
}

/**
 * The one way the web app talks to the twin's own API (issue #12 item 8): JSON in and out, the
 * session's CSRF token on every unsafe request, errors turned into `ApiRequestError` with the
 * server's message, and GETs retried with backoff when the server is briefly away or busy
 * (honouring `Retry-After`, at most 5 s).
 */
export class ApiClient {
  #csrf: string | null = null;

  /** Set by the session once `GET /api/session` answered. */
  setCsrf(token: string | null): void {
    this.#csrf = token;
  }

  /** Headers for an unsafe request made with the session cookie. */
  authHeaders(): Record<string, string> {
    return this.#csrf ? { 'X-CSRF-Token': this.#csrf } : {};
  }

  /** The raw response of a request that succeeded (or whose status is in `accept`). */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const retries = SAFE.has(method) ? (options.retries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      let res: Response | null = null;
      try {
        res = await fetch(path, {
          method,
          signal: options.signal,
          cache: options.cache,
          headers: {
            Accept: 'application/json',
            ...(options.body === undefined || options.form
              ? {}
              : { 'Content-Type': 'application/json' }),
            ...(SAFE.has(method) ? {} : this.authHeaders()),
          },
          body:
            options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        });
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
      }
      const status = res?.status ?? 0;
      if (res && (res.ok || options.accept?.includes(status))) return res;
      if (attempt < retries && RETRY_STATUSES.has(status)) {
        const after = Number(res?.headers.get('Retry-After'));
        await sleep(
          Number.isFinite(after) && after > 0 ? Math.min(5000, after * 1000) : 300 * 2 ** attempt,
          options.signal,
        );
        continue;
      }
      throw res ? await errorOf(res) : new ApiRequestError(0, 'The twin server cannot be reached.');
    }
  }

  /** The JSON body of a request (null for 204 No Content). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, options);
    return (res.status === 204 ? null : await res.json()) as T;
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body' | 'form'> = {}): Promise<T> {
    return this.json<T>('GET', path, options);
  }
  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('PATCH', path, { body });
  }
  delete<T = null>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }
}

export const api = new ApiClient();

/** GETs JSON from the twin's own origin; throws `ApiRequestError` with the server's message. */
export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return api.get<T>(path, { signal });
}

/** A short, user-facing reason for a failed tile (loaders.gl puts the status in its message). */
export function describeTileError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/abort/i.test(text)) return 'Tile requests were cancelled.';
  const status = /\((\d{3})\)/.exec(text)?.[1];
  if (status === '503' || status === '504')
    return 'The server is busy or its database is unavailable.';
  if (status) return `The server answered ${status} for a tile.`;
  if (/fetch|network|load/i.test(text))
    return 'Tiles could not be loaded: the server did not answer.';
  return 'Tiles could not be drawn.';
}
