import type { ApiErrorBody } from '../../../common/api-types';

/** A failed API call, with a message fit to show a user. `status` 0: no answer at all. */
export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs JSON from the twin's own origin; throws `ApiRequestError` with the server's message. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiRequestError(0, 'The twin server cannot be reached.');
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`.trim();
    try {
      const body = (await res.json()) as Partial<ApiErrorBody>;
      if (body.error?.message) message = body.error.message;
    } catch {
      // Not our JSON error (a proxy's page, say): keep the status line.
    }
    throw new ApiRequestError(res.status, message);
  }
  return (await res.json()) as T;
}

/** A short, user-facing reason for a failed tile (loaders.gl puts the status in its message). */
export function describeTileError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/abort/i.test(text)) return 'Tile requests were cancelled.';
  const status = /\((\d{3})\)/.exec(text)?.[1];
  if (status === '503' || status === '504') return 'The server is busy or its database is unavailable.';
  if (status) return `The server answered ${status} for a tile.`;
  if (/fetch|network|load/i.test(text)) return 'Tiles could not be loaded: the server did not answer.';
  return 'Tiles could not be drawn.';
}
