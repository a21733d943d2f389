import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TileObserver } from '../tiles/tile-service';

/** The process's Prometheus metrics, one registry per app so tests stay independent. */
export class Metrics implements TileObserver {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'twin_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly #cache = new Counter({
    name: 'twin_tile_cache_requests_total',
    help: 'Tile cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly #build = new Histogram({
    name: 'twin_tile_build_seconds',
    help: 'Time to build (query, encode, compress) a tile, by layer set and zoom',
    labelNames: ['layer', 'zoom'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly #capped = new Counter({
    name: 'twin_tile_features_capped_total',
    help: 'Tiles whose layer hit the per-tile feature cap',
    labelNames: ['layer', 'zoom'] as const,
    registers: [this.registry],
  });
  readonly cacheBytes = new Gauge({
    name: 'twin_tile_cache_bytes',
    help: 'Bytes of compressed tiles held in memory',
    registers: [this.registry],
  });

  /** Read replicas (issue #16), set from the replica set's last check at each scrape. */
  readonly replicaLagSeconds = new Gauge({
    name: 'twin_replica_lag_seconds',
    help: 'Replication lag of each read replica, seconds (0 when it has replayed all WAL; -1 when unreachable)',
    labelNames: ['replica'] as const,
    registers: [this.registry],
  });
  readonly replicaLagBytes = new Gauge({
    name: 'twin_replica_lag_bytes',
    help: 'WAL bytes written on the primary and not yet replayed by each read replica (-1 when unreachable)',
    labelNames: ['replica'] as const,
    registers: [this.registry],
  });
  readonly replicaUsable = new Gauge({
    name: 'twin_replica_usable',
    help: '1 when reads go to this replica, 0 when it is skipped (down, not a standby, or lagging)',
    labelNames: ['replica'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'twin_' });
  }

  built(layer: string, z: number, seconds: number): void {
    this.#build.observe({ layer, zoom: String(z) }, seconds);
  }

  capped(layer: string, z: number): void {
    this.#capped.inc({ layer, zoom: String(z) });
  }

  cache(hit: boolean): void {
    this.#cache.inc({ result: hit ? 'hit' : 'miss' });
  }

  /** Counts one answered request (the tile fast path answers outside the middleware). */
  countRequest(method: string, route: string, status: number): void {
    this.#requests.inc({ method, route, status: String(status) });
  }

  /** Counts every request by its route pattern (never the raw path: bounded label values). */
  middleware(): MiddlewareHandler {
    const requests = this.#requests;
    return async function countRequests(c, next) {
      await next();
      // The pattern of the handler that answered (after next(), routeIndex points at it).
      requests.inc({ method: c.req.method, route: routePath(c), status: String(c.res.status) });
    };
  }
}
