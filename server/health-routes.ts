import { Hono } from 'hono';
import { sql } from 'kysely';
import type { Backend } from './db/backend';
import { pendingMigrations } from './db/migrate';
import type { Metrics } from './metrics';
import type { TileService } from '../tiles/tile-service';

/** `GET /healthz` (database reachable, migrations current) and `GET /metrics` (Prometheus). */
export function healthRoutes(backend: Backend, metrics: Metrics, tiles: TileService) {
  return new Hono()
    .get('/healthz', async (c) => {
      const checks: Record<string, string> = {};
      let ok = true;
      try {
        await sql`SELECT 1`.execute(backend.db);
        checks.database = 'ok';
        const pending = await pendingMigrations(backend);
        checks.migrations = pending.length === 0 ? 'current' : `pending: ${pending.join(', ')}`;
        ok = pending.length === 0;
      } catch {
        checks.database = 'unreachable';
        ok = false;
      }
      // Read replicas (issue #16): their lag, for information. A lagging or lost replica does not
      // fail this instance: its reads go to the primary until the replica catches up.
      const replicas = backend.replicas?.status().map((r) => ({
        name: r.name,
        usable: r.usable,
        lag_s: r.lagSeconds,
        lag_bytes: r.lagBytes,
        ...(r.error ? { error: r.error } : {}),
      }));
      return c.json(
        {
          status: ok ? 'ok' : 'failing',
          backend: backend.kind,
          checks,
          ...(replicas ? { replicas } : {}),
        },
        ok ? 200 : 503,
      );
    })
    .get('/metrics', async (c) => {
      metrics.cacheBytes.set(tiles.cache.bytes);
      for (const r of backend.replicas?.status() ?? []) {
        metrics.replicaLagSeconds.set({ replica: r.name }, r.lagSeconds ?? -1);
        metrics.replicaLagBytes.set({ replica: r.name }, r.lagBytes ?? -1);
        metrics.replicaUsable.set({ replica: r.name }, r.usable ? 1 : 0);
      }
      c.header('Content-Type', metrics.registry.contentType);
      return c.body(await metrics.registry.metrics());
    });
}
