import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { parseTileCoord } from '../tiles/tile-coords';
import type { TilePlan, TileService } from '../tiles/tile-service';
import { SESSION_COOKIE } from './auth/session-store';
import { OWN_FRAME_ANCESTORS, OWN_FRAME_OPTIONS } from './dashboard/frame-ancestors';
import { CONTENT_SECURITY_POLICY, HSTS, SECURITY_HEADERS } from './limits/security-headers';
import { matchesEtag, MVT_TYPE, tileCacheControl, tileHeaders } from './tile-routes';

export interface TileFastPathOptions {
  tiles: TileService;
  /** `Cache-Control` max-age of public tiles (`TWIN_TILE_MAX_AGE_S`), as the tile routes use. */
  maxAgeS: number;
  /** Whether the request came over https (`ClientIdentity.httpsOf`): HSTS, as `securityHeaders` sends it. */
  https: (req: IncomingMessage) => boolean;
  /** Counts an answer as the metrics middleware counts the tile route's. */
  count: (status: number) => void;
  /** Run for every answered request, as the app's `refreshLayerAccess` middleware is. */
  onRequest: () => void;
}

/** The tile route's pattern, for the request metrics. */
export const TILE_ROUTE = '/tiles/:layers/:z/:x/:y';

const TILE_PATH =
  /^\/tiles\/([a-z0-9_]{1,64}(?:,[a-z0-9_]{1,64})*)\/(\d{1,2})\/(\d{1,9})\/(\d{1,9})\.mvt$/;

/**
 * The anonymous map's hot path (issue #14): a plain `GET /tiles/{layers}/{z}/{x}/{y}.mvt` of
 * public layers, with no query, no credentials (no `Authorization`, no session cookie) and
 * gzip accepted, is answered at the node:http level, without building a Fetch `Request`, the
 * Hono context and its middleware. The answer is the one the Hono route gives such a request,
 * header for header (`test/tile-fast-path.test.ts` compares the two): for an anonymous caller
 * the guard allows every public layer, tiles are not rate-limited and a GET has no body to
 * check. Anything else — a staff layer, a scenario, a signed-in caller, an error
 * of any kind — is left to the app (`next`), which answers it as before.
 */
export function tileFastPath(options: TileFastPathOptions): FastPath {
  const { tiles, count, onRequest } = options;
  // The headers the app's middleware adds (security headers, frame-ancestors), from the same
  // constants, and the tile route's own.
  const fixed: Record<string, string> = {
    ...lowerCased(tileHeaders(tileCacheControl(options.maxAgeS).shared)),
    'content-security-policy': `${CONTENT_SECURITY_POLICY}; ${OWN_FRAME_ANCESTORS}`,
    ...lowerCased(SECURITY_HEADERS),
    'x-frame-options': OWN_FRAME_OPTIONS,
  };
  const overTls = { ...fixed, 'strict-transport-security': HSTS };

  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    plan: TilePlan,
    status: number,
    body?: Uint8Array,
  ) => {
    const headers: Record<string, string | number> = {
      ...(options.https(req) ? overTls : fixed),
      etag: plan.etag,
    };
    if (body) {
      headers['content-type'] = MVT_TYPE;
      headers['content-encoding'] = 'gzip';
      headers['content-length'] = body.byteLength;
    }
    res.writeHead(status, headers);
    res.end(body);
    count(status);
  };

  return function fastTile(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const plan = req.method === 'GET' ? planOf(req, tiles) : undefined;
    if (!plan) return next();
    onRequest();
    if (matchesEtag(req.headers['if-none-match'], plan.etag)) return send(req, res, plan, 304);
    const answer = (body: Uint8Array) =>
      body.byteLength === 0 ? send(req, res, plan, 204) : send(req, res, plan, 200, body);
    const cached = tiles.cachedTile(plan);
    if (cached) return answer(cached);
    tiles.tile(plan).then(
      answer,
      // A timeout, a lost database: the app builds it again and answers the error its way.
      () => next(),
    );
  };
}

const lowerCased = (h: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

/** The plan of a request the fast path may answer, else undefined. */
function planOf(req: IncomingMessage, tiles: TileService): TilePlan | undefined {
  const m = TILE_PATH.exec(req.url ?? '');
  if (!m) return undefined;
  const h = req.headers;
  if (h.authorization !== undefined) return undefined;
  if (h.cookie?.includes(`${SESSION_COOKIE}=`)) return undefined;
  if (!/\bgzip\b/.test(h['accept-encoding'] ?? '')) return undefined;
  try {
    const layers = tiles.resolveLayers(m[1]!);
    if (!layers.every((l) => l.access === 'public')) return undefined;
    return tiles.planNow(layers, parseTileCoord(m[2]!, m[3]!, m[4]!));
  } catch {
    return undefined; // unknown layer, bad coordinates, zoom out of range: the app's 4xx
  }
}

export type FastPath = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * `createServer` for `@hono/node-server`'s `serve()`: every request is offered to `fast` first,
 * the rest go to the Hono app's listener.
 */
export function createServerWith(fast: FastPath): typeof createServer {
  return ((options: ServerOptions, app: RequestListener) =>
    createServer(options, (req, res) =>
      fast(req, res, () => app(req, res)),
    )) as typeof createServer;
}
