import { z } from 'zod';

/** Items a list answers by default, and at most (`?limit=`), unless a route says otherwise. */
export const DEFAULT_PAGE = 500;
export const MAX_PAGE = 1000;

export interface Page {
  limit: number;
  offset: number;
}

const BAD_CURSOR = 'cursor is not one this twin handed out (pass `next` back unchanged)';

/**
 * `?limit&cursor` of a list endpoint (issue #10 item 2), as query fields to spread into the
 * route's zod query schema (so the OpenAPI document lists them). The cursor is opaque to
 * clients: the `next` of the previous page, passed back unchanged. 400 for a limit outside
 * 1…max or a cursor this twin did not hand out. `pageOf` turns the parsed fields into a Page.
 */
export function pageFields(o: { defaultLimit?: number; max?: number } = {}) {
  const max = o.max ?? MAX_PAGE;
  const message = `limit must be an integer from 1 to ${max}`;
  return {
    limit: z
      .string()
      .regex(/^[0-9]{1,7}$/, message)
      .transform(Number)
      .refine((n) => n >= 1 && n <= max, message)
      .default(Math.min(o.defaultLimit ?? DEFAULT_PAGE, max))
      .describe(`items per page, 1 to ${max}`),
    cursor: z
      .string()
      .transform((cursor, ctx) => {
        if (cursor === '') return 0;
        const offset = decodeCursor(cursor);
        if (offset === null) {
          ctx.addIssue({ code: 'custom', message: BAD_CURSOR });
          return z.NEVER;
        }
        return offset;
      })
      .optional()
      .describe('the `next` of the previous page'),
  };
}

/** `?limit&cursor` alone, for a list with no other parameters. */
export const PageQuery = z.object(pageFields());

/** The page that parsed `limit` and `cursor` fields ask for. */
export const pageOf = (q: { limit: number; cursor?: number | undefined }): Page => ({
  limit: q.limit,
  offset: q.cursor ?? 0,
});

function decodeCursor(cursor: string): number | null {
  const text = /^[A-Za-z0-9_-]{1,24}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('latin1')
    : '';
  const m = /^o:([0-9]{1,9})$/.exec(text);
  return m ? Number(m[1]) : null;
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
