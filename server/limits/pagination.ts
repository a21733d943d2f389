import type { Context } from 'hono';
import { ApiError } from '../errors';

/** Items a list answers by default, and at most (`?limit=`), unless a route says otherwise. */
export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 1000;

export interface Page {
  limit: number;
  offset: number;
}

/**
 * `?limit&cursor` of a list endpoint (issue #10 item 2). The cursor is opaque to clients: the
 * `next` of the previous page, passed back unchanged. 400 for a limit outside 1…max or a cursor
 * this twin did not hand out.
 */
export function pageOf(c: Context, o: { defaultLimit?: number; max?: number } = {}): Page {
  const max = o.max ?? MAX_PAGE;
  const rawLimit = c.req.query('limit');
  let limit = Math.min(o.defaultLimit ?? DEFAULT_PAGE, max);
  if (rawLimit !== undefined) {
    if (!/^[0-9]{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > max) {
      throw new ApiError(400, 'bad_request', `limit must be an integer from 1 to ${max}`);
    }
    limit = Number(rawLimit);
  }
  const cursor = c.req.query('cursor');
  return { limit, offset: cursor === undefined || cursor === '' ? 0 : decodeCursor(cursor) };
}

function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('latin1')
    : '';
  const m = /^o:([0-9]{1,9})$/.exec(text);
  if (!m)
    throw new ApiError(
      400,
      'bad_request',
      'cursor is not one this twin handed out (pass `next` back unchanged)',
    );
  return Number(m[1]);
}

/**
 * One page of `rows`, fetched with `LIMIT page.limit + 1 OFFSET page.offset` (or sliced from a
 * full list): the rows to answer and the `next` cursor, null on the last page.
 */
export function pageRows<T>(
  rows: readonly T[],
  page: Page,
  sliced = true,
): { items: T[]; next: string | null } {
  const from = sliced ? 0 : page.offset;
  const items = rows.slice(from, from + page.limit);
  const more = rows.length > from + page.limit;
  return {
    items,
    next: more
      ? Buffer.from(`o:${page.offset + page.limit}`, 'latin1').toString('base64url')
      : null,
  };
}
