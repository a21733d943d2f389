import postgres from 'postgres';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Twin } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openBackend, type Backend } from '../../server/db/backend';
import { createLogger } from '../../server/log';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { lonLatToTile } from '../../tiles/tile-coords';
import { tokenHeaders } from '../support/auth';
import { decodeTile } from '../support/mvt';
import {
  HAS_PG_BIN,
  startSeededPrimary,
  startReplica,
  type PgCluster,
} from '../support/pg-cluster';
import { eventually } from '../sensors/helpers';

/** Ports of this suite (issue #16: 7431 our own primary, 7432 its streaming replica). */
const PRIMARY_PORT = 7431;
const REPLICA_PORT = 7432;

describe.skipIf(!HAS_PG_BIN)(
  'a streaming read replica (DATABASE_READ_URL; needs PostgreSQL 15 server binaries: skipped)',
  () => {
    let primary: PgCluster;
    let replica: PgCluster;
    let backend: Backend;
    let twin: Twin;
    let replicaSql: postgres.Sql;
    const centre = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 16);
    const tilePath = `/tiles/buildings/${centre.z}/${centre.x}/${centre.y}.mvt`;
    let buildingId: string;

    beforeAll(async () => {
      primary = await startSeededPrimary(PRIMARY_PORT);
      replica = startReplica(primary, REPLICA_PORT);
      replicaSql = postgres(replica.url('twin'), { max: 1, onnotice: () => {} });

      const config = loadConfig({
        LOG_LEVEL: 'silent',
        TWIN_DEMO: 'off',
        TWIN_DATA_DIR: 'memory://',
        DATABASE_URL: primary.url('twin'),
        DATABASE_READ_URL: replica.url('twin'),
        TWIN_REPLICA_MAX_LAG_S: '5',
      });
      backend = await openBackend({
        databaseUrl: config.databaseUrl,
        dataDir: '',
        poolSize: 4,
        tileTimeoutMs: 10_000,
        readUrls: config.databaseReadUrls,
        maxReplicaLagS: config.maxReplicaLagS,
      });
      twin = await createApp({ backend, config, log: createLogger('silent') });
      const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM buildings
        WHERE ST_Within(geom, ST_TileEnvelope(${centre.z}::int, ${centre.x}::int, ${centre.y}::int)) ORDER BY id LIMIT 1`.execute(
        backend.db,
      );
      buildingId = rows[0]!.id;
    });

    afterAll(async () => {
      if (replicaSql) await replicaSql`SELECT pg_wal_replay_resume()`.catch(() => undefined);
      await replicaSql?.end({ timeout: 1 });
      await twin?.sensors.stop();
      await twin?.impacts.close();
      await backend?.close();
      replica?.destroy();
      primary?.destroy();
    });

    const heightInTile = async (res: Response) => {
      const f = decodeTile(new Uint8Array(await res.arrayBuffer())).buildings!.find(
        (b) => String(b.id) === buildingId,
      );
      return f?.properties.height_m;
    };
    const featureHeight = async () =>
      (
        (await (await twin.app.request(`/api/features/buildings/${buildingId}`)).json()) as {
          properties: { height_m: number };
        }
      ).properties.height_m;

    it('reports the replica and its lag in /healthz and /metrics', async () => {
      await backend.replicas!.check();
      const health = await twin.app.request('/healthz');
      expect(health.status).toBe(200);
      const body = (await health.json()) as {
        replicas: { name: string; usable: boolean; lag_s: number; lag_bytes: number }[];
      };
      expect(body.replicas).toEqual([
        {
          name: `127.0.0.1:${REPLICA_PORT}/twin`,
          usable: true,
          lag_s: expect.any(Number),
          lag_bytes: expect.any(Number),
        },
      ]);
      const metrics = await (
        await twin.app.request('/metrics', {
          headers: await tokenHeaders(backend.db, 'replica-admin', 'admin'),
        })
      ).text();
      expect(metrics).toMatch(
        new RegExp(
          `twin_replica_lag_seconds\\{replica="127.0.0.1:${REPLICA_PORT}/twin"\\} [0-9.e-]+`,
        ),
      );
      expect(metrics).toMatch(/twin_replica_lag_bytes\{replica="[^"]+"\} \d+/);
      expect(metrics).toMatch(/twin_replica_usable\{replica="[^"]+"\} 1/);
    });

    it('builds baseline tiles and answers features from the replica', async () => {
      const before = { ...twin.tiles.replicaBuilds };
      const res = await twin.app.request(tilePath);
      expect(res.status).toBe(200);
      expect(twin.tiles.replicaBuilds.replica).toBe(before.replica + 1);
      // The replica really serves it: a connection of ours is there, running as a standby.
      const [{ n }] = await replicaSql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = 'twin' AND pid <> pg_backend_pid()`;
      expect(n).toBeGreaterThan(0);
    });

    it('with replay paused: features lag, but tiles are never stale (built on the primary) and lag shows', async () => {
      const oldHeight = await featureHeight();
      await replicaSql`SELECT pg_wal_replay_pause()`;
      await backend.db
        .updateTable('buildings')
        .set({ height_m: 123.5 })
        .where('id', '=', buildingId)
        .execute();
      // Reads that may lag do lag: the replica has not replayed the change.
      expect(await featureHeight()).toBe(oldHeight);
      // A tile's ETag comes from the primary's layer versions; the replica is behind them, so
      // this tile is built on the primary and shows the change at once.
      const before = { ...twin.tiles.replicaBuilds };
      const res = await twin.app.request(tilePath);
      expect(await heightInTile(res)).toBe(123.5);
      expect(twin.tiles.replicaBuilds.primary).toBe(before.primary + 1);
      await backend.replicas!.check();
      const lagging = backend.replicas!.status()[0]!;
      expect(lagging.lagBytes).toBeGreaterThan(0);

      await replicaSql`SELECT pg_wal_replay_resume()`;
      await eventually(
        async () => (await featureHeight()) === 123.5,
        'the replica to replay the change',
      );
      await backend.replicas!.check();
      expect(backend.replicas!.status()[0]).toMatchObject({
        usable: true,
        lagBytes: 0,
        lagSeconds: 0,
      });
    });

    it("reads a planner's scenario right after each edit from the primary (read-your-writes) while the replica lags", async () => {
      await replicaSql`SELECT pg_wal_replay_pause()`;
      try {
        const planner = await tokenHeaders(backend.db, 'replica-planner', 'planner');
        const json = { ...planner, 'Content-Type': 'application/json' };
        const created = await twin.app.request('/api/scenarios', {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ name: 'RYW' }),
        });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        const edit = await twin.app.request(`/api/scenarios/${id}/edits`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ kind: 'demolish_building', buildingId }),
        });
        expect(edit.status).toBeLessThan(300);
        const scenario = (await (
          await twin.app.request(`/api/scenarios/${id}`, { headers: planner })
        ).json()) as { edits: unknown[] };
        expect(scenario.edits).toHaveLength(1);
        const tile = await twin.app.request(`${tilePath}?scenario=${id}`, { headers: planner });
        expect(tile.status).toBe(200);
        const ids = (decodeTile(new Uint8Array(await tile.arrayBuffer())).buildings ?? []).map(
          (b) => String(b.id),
        );
        expect(ids).not.toContain(buildingId);
      } finally {
        await replicaSql`SELECT pg_wal_replay_resume()`;
      }
    });

    it('falls back to the primary while the replica is down, and uses it again once restarted', async () => {
      await replicaSql.end({ timeout: 1 });
      replica.stop('immediate');
      await backend.replicas!.check();
      expect(backend.replicas!.status()[0]).toMatchObject({ usable: false });
      const health = (await (await twin.app.request('/healthz')).json()) as {
        status: string;
        replicas: { usable: boolean }[];
      };
      expect(health).toMatchObject({ status: 'ok', replicas: [{ usable: false }] });
      expect((await twin.app.request(`/api/features/buildings/${buildingId}`)).status).toBe(200);
      expect(
        (await twin.app.request(`/tiles/roads/${centre.z}/${centre.x}/${centre.y}.mvt`)).status,
      ).toBe(200);
      expect((await twin.app.request(`/tiles/buildings.json`)).status).toBe(200);

      replica.start();
      replicaSql = postgres(replica.url('twin'), { max: 1, onnotice: () => {} });
      await eventually(async () => {
        await backend.replicas!.check();
        return backend.replicas!.status()[0]!.usable;
      }, 'the restarted replica to be used again');
      const before = { ...twin.tiles.replicaBuilds };
      expect(
        (
          await twin.app.request(
            `/tiles/water_pipes,roads/${centre.z}/${centre.x}/${centre.y}.mvt`,
            { headers: await tokenHeaders(backend.db, 'replica-gis', 'gis') },
          )
        ).status,
      ).toBe(200);
      expect(twin.tiles.replicaBuilds.replica).toBe(before.replica + 1);
    });
  },
);
