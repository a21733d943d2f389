import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors';
import type { ClientIdentity } from './client-identity';

/** Slots held for requests whose route has not taken them yet (see `takeStreamSlot`). */
const held = new WeakMap<Request, () => void>();

/**
 * The release of the SSE slot held for this request, handed to the route that streams (which
 * frees it when its stream ends); undefined when no cap applies. Taken once.
 */
export function takeStreamSlot(req: Request): (() => void) | undefined {
  const release = held.get(req);
  held.delete(req);
  return release;
}

/**
 * Caps open server-sent event streams per client and in total (issue #10 item 2): past either
 * cap, 503 + Retry-After before the stream opens. A slot is freed when the stream ends or the
 * client goes away.
 */
export class SseSlots {
  #total = 0;
  readonly #perClient = new Map<string, number>();

  constructor(
    readonly maxPerClient: number,
    readonly maxTotal: number,
  ) {}

  get open(): number {
    return this.#total;
  }

  /** A release function, or undefined when a cap is reached. */
  acquire(client: string): (() => void) | undefined {
    const mine = this.#perClient.get(client) ?? 0;
    if (this.#total >= this.maxTotal || mine >= this.maxPerClient) return undefined;
    this.#total++;
    this.#perClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const n = (this.#perClient.get(client) ?? 1) - 1;
      if (n <= 0) this.#perClient.delete(client);
      else this.#perClient.set(client, n);
    };
  }

  /**
   * Middleware for one SSE route: holds a slot for the life of the response's stream. The route
   * takes the slot (`takeStreamSlot`, as `eventStream` does) and frees it when its stream ends;
   * a slot not taken is freed once the route has answered.
   */
  middleware(identity: ClientIdentity): MiddlewareHandler {
    return async (c, next) => {
      const release = this.acquire(identity.key(c));
      if (!release) {
        const e = new ApiError(503, 'unavailable', 'too many open event streams; retry shortly');
        e.retryAfterS = 10;
        throw e;
      }
      held.set(c.req.raw, release);
      try {
        await next();
      } finally {
        // A route that streams took the slot (`eventStream`) and frees it when its stream ends;
        // one that did not (an error, a 404) has answered already.
        takeStreamSlot(c.req.raw)?.();
      }
    };
  }
}
