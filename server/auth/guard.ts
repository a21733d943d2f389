import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import { ApiError } from '../errors';
import type { Logger } from '../log';
import { POLICY, policyKey, type RoutePolicy } from './policy';
import { ANONYMOUS, type Principal } from './principal';
import { atLeast, type Role } from './roles';
import { safeEqual, TOKEN_PREFIX } from './secrets';
import { SESSION_COOKIE, type SessionStore } from './session-store';
import type { TokenStore } from './token-store';

export interface GuardOptions {
  sessions: SessionStore;
  tokens: TokenStore;
  /** Checks an ingest key (server/sensors/api-keys.ts). */
  verifyIngestKey: (key: string) => Promise<boolean>;
  metricsToken: string | undefined;
  /** The twin's own origin for the CSRF Origin check; undefined: the request's origin. */
  publicOrigin: string | undefined;
  policy?: Readonly<Record<string, RoutePolicy>>;
  log?: Logger;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 401 for a caller who could sign in, 403 for one who is known but not allowed. */
export function denied(p: Principal, message: string): ApiError {
  return p.kind === 'anonymous'
    ? new ApiError(401, 'unauthorized', `sign in first: ${message}`)
    : new ApiError(403, 'forbidden', message);
}

/**
 * The routes whose handlers may run for this request, as policy keys: every matched
 * non-middleware route (a handler may pass on with `next()`, as the web app's catch-all does,
 * so each one must be allowed).
 */
export function matchedPolicyKeys(c: Context): string[] {
  return [
    ...new Set(
      matchedRoutes(c)
        .filter((r) => r.method !== 'ALL')
        .map((r) => policyKey(r.method, r.path)),
    ),
  ];
}

/**
 * The one authorization middleware (issue #9), mounted with every sub-app: resolves who is
 * calling (session cookie, API token, ingest key, metrics token), enforces CSRF on
 * unsafe requests not sent with a bearer token, then checks the policy entry of every route
 * that matched. A route without an entry is refused. Runs once per request however many mounts
 * match.
 */
export function guard(o: GuardOptions): MiddlewareHandler {
  const policy = o.policy ?? POLICY;
  return async function authorize(c, next) {
    if (c.get('principal')) return next();
    const keys = matchedPolicyKeys(c);
    const entries = keys.map((k) => policy[k]);
    const missing = keys.filter((_, i) => !entries[i]);
    if (missing.length > 0) {
      o.log?.error({ routes: missing }, 'route has no policy entry; refused');
      throw new ApiError(403, 'forbidden', 'this route has no access policy');
    }
    const principal = keys.length === 0 ? ANONYMOUS : await authenticate(c, o);
    if (keys.length > 0) checkCsrf(c, principal, o.publicOrigin);
    c.set('principal', principal);
    // No handler matched: nothing to protect; the app answers 404. A catch-all counts only
    // when nothing else matched; every other matched route must allow the caller.
    const specific = entries.filter((e) => !e!.fallback);
    for (const entry of specific.length > 0 ? specific : entries) check(entry!, principal);
    return next();
  };
}

async function authenticate(c: Context, o: GuardOptions): Promise<Principal> {
  const header = c.req.header('Authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S{1,500})$/i.exec(header);
    const secret = match?.[1];
    if (secret) {
      if (secret.startsWith(TOKEN_PREFIX)) {
        const t = await o.tokens.resolve(secret);
        if (t) return { kind: 'user', user: t.user, via: 'token', tokenId: t.tokenId };
      } else if (o.metricsToken && safeEqual(secret, o.metricsToken)) {
        return { kind: 'metrics' };
      } else if (await o.verifyIngestKey(secret)) {
        return { kind: 'ingest' };
      }
    }
    c.header('WWW-Authenticate', 'Bearer realm="twin"');
    throw new ApiError(401, 'unauthorized', 'the Authorization header holds no valid token or key');
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const s = await o.sessions.resolve(cookie);
    if (s) return { kind: 'user', user: s.user, via: 'session', sessionHash: s.hash, csrf: s.csrf };
    // Expired or revoked: the browser may drop it; the request goes on as anonymous.
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
  }
  return ANONYMOUS;
}

/**
 * CSRF (issue #9): an unsafe request not authenticated by a bearer token must come from our
 * own origin when it names one (`Origin`), and when a session cookie authenticates it, must
 * carry that session's `X-CSRF-Token`. A cross-site form post (text/plain or not) fails both.
 */
function checkCsrf(c: Context, p: Principal, publicOrigin: string | undefined): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (p.kind !== 'anonymous' && !(p.kind === 'user' && p.via === 'session')) return;
  const origin = c.req.header('Origin');
  const own = publicOrigin ?? new URL(c.req.url).origin;
  if (origin !== undefined && origin !== own) {
    throw new ApiError(403, 'forbidden', 'cross-site request refused: Origin is not this twin');
  }
  if (p.kind === 'user' && p.via === 'session') {
    const token = c.req.header('X-CSRF-Token') ?? '';
    if (!safeEqual(token, p.csrf)) {
      throw new ApiError(
        403,
        'forbidden',
        'missing or wrong X-CSRF-Token (GET /api/session gives it)',
      );
    }
  }
}

function check(entry: RoutePolicy, p: Principal): void {
  if (p.kind === 'metrics') {
    if (entry.metricsToken) return;
    throw new ApiError(403, 'forbidden', 'the metrics token opens /metrics only');
  }
  if (entry.access === 'ingest') {
    if (p.kind === 'ingest') return;
    throw denied(p, 'an ingest key is required: Authorization: Bearer <key>');
  }
  if (p.kind === 'ingest')
    throw new ApiError(403, 'forbidden', 'an ingest key may only ingest readings');
  if (entry.access === 'public') return;
  if (p.kind !== 'user')
    throw denied(
      p,
      `this needs ${entry.access === 'signed-in' ? 'an account' : `the ${entry.access} role`}`,
    );
  if (entry.access === 'signed-in' || atLeast(p.user.role, entry.access as Role)) return;
  throw denied(p, `this needs the ${entry.access} role (you are ${p.user.role})`);
}
