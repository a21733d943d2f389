import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors';

export interface RequestBodyOptions {
  /** Largest body of an ordinary (JSON) request, bytes. */
  maxBytes: number;
  jsonMaxDepth: number;
  jsonMaxString: number;
  /**
   * Routes (by method and path) that read their own body with their own limits: uploads stream
   * to disk, ingest takes NDJSON. `maxBytes` there: a limit on what this middleware reads (ingest),
   * or `undefined` to leave the body alone (uploads).
   */
  own: { method: string; path: RegExp; maxBytes?: number; anyType?: boolean }[];
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bounds every request before a handler sees it (issue #10 items 2 and 4):
 * - the URL: a NUL or a malformed/invalid-UTF-8 escape in the path or query → 400;
 * - the body, read as a stream: past the limit → 413 at once, without reading further (chunked
 *   or not; a Content-Length over it → 413 before any byte is read);
 * - a body on a JSON route that is not `application/json` → 415;
 * - JSON that is malformed, nested deeper than the limit, holds a string or key longer than the
 *   limit, or a NUL character (PostgreSQL text cannot hold one) → 400.
 * The checked text is left in hono's body cache, so `c.req.json()` and validators read it.
 */
export function requestBody(o: RequestBodyOptions): MiddlewareHandler {
  return async function limitRequestBody(c, next) {
    if (c.get('bodyChecked')) return next();
    c.set('bodyChecked', true);
    checkUrl(c.req.url);
    if (BODYLESS.has(c.req.method)) return next();
    const own = o.own.find((r) => r.method === c.req.method && r.path.test(c.req.path));
    if (own && own.maxBytes === undefined) return next();
    const max = own?.maxBytes ?? o.maxBytes;
    const length = c.req.header('Content-Length');
    if (length !== undefined && !c.req.header('Transfer-Encoding') && Number(length) > max) {
      throw tooLarge(max);
    }
    const bytes = await readBounded(c.req.raw.body, max);
    if (bytes.length === 0) return next();
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new ApiError(400, 'bad_request', 'the body is not valid UTF-8');
    }
    if (!own?.anyType) {
      const type = c.req.header('Content-Type') ?? '';
      if (!JSON_TYPE.test(type)) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'send the body as JSON with Content-Type: application/json',
        );
      }
      checkJson(text, o);
    }
    // Hono parses JSON from the cached text: handlers see exactly what was checked.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  };
}

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'too_large', `the request body exceeds ${max} bytes`);
}

async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      // Stop reading: the rest of the body is never buffered.
      void reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.length;
  }
  return out;
}

function checkUrl(url: string): void {
  const at = url.indexOf('/', url.indexOf('//') + 2);
  const rest = at < 0 ? '' : url.slice(at);
  if (!rest.includes('%') && !rest.includes('\0')) return;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest.replace(/\+/g, ' '));
  } catch {
    throw new ApiError(400, 'bad_request', 'the URL holds a malformed or non-UTF-8 %-escape');
  }
  if (decoded.includes('\0'))
    throw new ApiError(400, 'bad_request', 'the URL holds a NUL character');
}

/** Depth is checked on the text first, so a 100,000-deep array is never parsed. */
function checkJson(text: string, o: RequestBodyOptions): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 91 || ch === 123) {
      if (++depth > o.jsonMaxDepth) {
        throw new ApiError(
          400,
          'bad_request',
          `the JSON body is nested deeper than ${o.jsonMaxDepth} levels`,
        );
      }
    } else if (ch === 93 || ch === 125) depth--;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'bad_request', 'the body is not valid JSON');
  }
  walk(value, o.jsonMaxString);
}

function checkString(s: string, max: number): void {
  if (s.length > max)
    throw new ApiError(400, 'bad_request', `a string in the body is longer than ${max} characters`);
  if (s.includes('\0'))
    throw new ApiError(400, 'bad_request', 'a string in the body holds a NUL character');
  if (/[\uD800-\uDFFF]/.test(s) && !(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new ApiError(
      400,
      'bad_request',
      'a string in the body holds a lone surrogate (not valid UTF-8)',
    );
  }
}

function walk(value: unknown, max: number): void {
  if (typeof value === 'string') checkString(value, max);
  else if (Array.isArray(value)) for (const v of value) walk(v, max);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      checkString(k, max);
      walk(v, max);
    }
  }
}

declare module 'hono' {
  interface ContextVariableMap {
    bodyChecked: boolean;
  }
}
