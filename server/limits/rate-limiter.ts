import type { MiddlewareHandler } from 'hono';
import { matchedPolicyKeys } from '../auth/guard';
import { ApiError } from '../errors';
import type { ClientIdentity } from './client-identity';

export type RateKind = 'signIn' | 'writes' | 'impacts' | 'previews' | 'ingest';

const WINDOW_MS = 60_000;
/** Buckets kept at most; past it the oldest window's buckets are dropped first. */
const MAX_BUCKETS = 100_000;

/**
 * Fixed one-minute windows per (kind, client): `limit` requests a minute, then 429 with the
 * seconds left in the window as `Retry-After`. Memory is bounded: a window's counters are
 * dropped when it ends.
 */
export class RateLimiter {
  readonly #limits: Record<RateKind, number>;
  #window = 0;
  #counts = new Map<string, number>();

  constructor(
    limits: Record<RateKind, number>,
    private readonly now: () => number = Date.now,
  ) {
    this.#limits = limits;
  }

  /** Counts one request; returns the seconds to wait when it is over the limit, else 0. */
  take(kind: RateKind, client: string): number {
    const limit = this.#limits[kind];
    if (limit <= 0) return 0;
    const t = this.now();
    const window = Math.floor(t / WINDOW_MS);
    if (window !== this.#window) {
      this.#window = window;
      this.#counts = new Map();
    }
    const key = `${kind} ${client}`;
    const n = (this.#counts.get(key) ?? 0) + 1;
    if (this.#counts.size >= MAX_BUCKETS && !this.#counts.has(key)) this.#counts.clear();
    this.#counts.set(key, n);
    return n > limit ? Math.ceil(((window + 1) * WINDOW_MS - t) / 1000) : 0;
  }
}

/** Which limit a route counts against (issue #10 item 3); reads outside these are not limited. */
export function rateKind(method: string, keys: readonly string[]): RateKind | undefined {
  if (keys.includes('POST /api/session')) return 'signIn';
  if (keys.includes('POST /api/ingest/readings')) return 'ingest';
  if (keys.includes('POST /api/datasets/preview')) return 'previews';
  if (keys.some((k) => k.startsWith('GET /api/scenarios/:id/impact'))) return 'impacts';
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') return 'writes';
  return undefined;
}

/**
 * Applies the limiter after the guard (so a signed-in caller counts as its account, anyone else
 * as its address); runs once per request however many mounts match.
 */
export function rateLimit(limiter: RateLimiter, identity: ClientIdentity): MiddlewareHandler {
  return async function limitRate(c, next) {
    if (c.get('rateLimited')) return next();
    c.set('rateLimited', true);
    const kind = rateKind(c.req.method, matchedPolicyKeys(c));
    if (kind) {
      const wait = limiter.take(kind, identity.key(c));
      if (wait > 0) {
        const e = new ApiError(
          429,
          'rate_limited',
          `too many requests of this kind (${kind}); retry in ${wait} s`,
        );
        e.retryAfterS = wait;
        throw e;
      }
    }
    return next();
  };
}

declare module 'hono' {
  interface ContextVariableMap {
    rateLimited: boolean;
  }
}
