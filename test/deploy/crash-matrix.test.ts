import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { lonLatToTile } from '../../tiles/tile-coords';
import { HAS_NGINX, startNginx, type Nginx } from '../support/cluster';
import { startInstance, type Instance } from '../support/instance';
import { decodeTile } from '../support/mvt';
import { HAS_NATS, startNats, type NatsServer } from '../support/nats';
import {
  HAS_PG_BIN,
  startSeededPrimary,
  startReplica,
  type PgCluster,
} from '../support/pg-cluster';
import { AUTH, eventually, TEST_KEY } from '../sensors/helpers';

/** Ports of this suite (issue #16): primary 7433, replica 7434, NATS 7426/7487, twins 7413-7414, nginx 7481. */
const PORTS = {
  primary: 7433,
  replica: 7434,
  nats: 7426,
  mqtt: 7487,
  nginx: 7481,
  twins: [7413, 7414],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The crash matrix: under a steady load of readings and tile requests through nginx, kill -9
 * an instance, kill and restart NATS, restart the replica, and fail nginx over to the other
 * instance. Every acknowledged reading is stored exactly once, tiles are served throughout
 * (≥ 99 % 2xx/304 with one retry) and no tile is stale after a change.
 */
describe.skipIf(!HAS_NGINX || !HAS_NATS || !HAS_PG_BIN)(
  'crash matrix (needs nginx, nats-server and PostgreSQL 15 server binaries: skipped)',
  () => {
    let primary: PgCluster;
    let replica: PgCluster;
    let nats: NatsServer;
    let nginx: Nginx;
    let db: postgres.Sql;
    const twins: Instance[] = [];
    const env = () => ({
      DATABASE_URL: primary.url('twin'),
      DATABASE_READ_URL: replica.url('twin'),
      NATS_URL: nats.url,
      TWIN_INGEST_KEYS: TEST_KEY,
      TWIN_MQTT: 'off',
      TWIN_SIMULATOR: 'off',
      TWIN_DB_POOL: '4',
    });

    beforeAll(async () => {
      primary = await startSeededPrimary(PORTS.primary);
      replica = startReplica(primary, PORTS.replica);
      nats = await startNats(PORTS.nats, PORTS.mqtt);
      for (const port of PORTS.twins) twins.push(await startInstance(port, env()));
      nginx = await startNginx(
        PORTS.nginx,
        PORTS.twins.map((p) => `127.0.0.1:${p}`),
      );
      db = postgres(primary.url('twin'), { max: 2, onnotice: () => {} });
    });

    afterAll(async () => {
      await db?.end({ timeout: 1 });
      await nginx?.stop();
      for (const t of twins) await t.stop();
      await nats?.stop();
      replica?.destroy();
      primary?.destroy();
    });

    it('keeps every acknowledged reading exactly once and serves tiles throughout', async () => {
      const [sensor] = await db<{ id: string; external_id: string }[]>`
        SELECT id::text AS id, external_id FROM sensors WHERE kind = 'traffic_flow' ORDER BY id LIMIT 1`;
      const centre = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
      const tiles = [0, 1, 2, 3].map(
        (k) =>
          `/tiles/buildings,roads/${centre.z}/${centre.x + (k % 2)}/${centre.y + (k >> 1)}.mvt`,
      );
      const base = Date.now() - 20 * 3_600_000;
      const acked = new Set<number>();
      let sent = 0;
      const tileResults = { ok: 0, failed: 0 };
      let running = true;

      const readings = (async () => {
        while (running) {
          const batch = Array.from({ length: 20 }, () => base + sent++ * 1000);
          const res = await fetch(`${nginx.url}/api/ingest/readings`, {
            method: 'POST',
            headers: { ...AUTH, 'Content-Type': 'application/json' },
            body: JSON.stringify(
              batch.map((ts) => ({ sensor: sensor!.external_id, ts, value: ts % 97 })),
            ),
          }).catch(() => undefined);
          if (res?.status === 200) {
            const body = (await res.json()) as {
              accepted: number;
              duplicate: number;
              rejected: number;
            };
            if (body.rejected === 0) for (const ts of batch) acked.add(ts);
          } else await res?.body?.cancel();
          await sleep(20);
        }
      })();
      const tileLoad = (async () => {
        let i = 0;
        while (running) {
          const path = tiles[i++ % tiles.length]!;
          let ok = false;
          for (let attempt = 0; attempt < 2 && !ok; attempt++) {
            const res = await fetch(`${nginx.url}${path}`).catch(() => undefined);
            ok =
              res !== undefined && (res.status === 200 || res.status === 204 || res.status === 304);
            await res?.arrayBuffer().catch(() => undefined);
            if (!ok) await sleep(100);
          }
          tileResults[ok ? 'ok' : 'failed']++;
          await sleep(10);
        }
      })();

      const steady = async (ms: number) => sleep(ms);
      await steady(2000);
      // 1. kill -9 one instance; nginx routes around it; start it again.
      await twins[0]!.crash();
      await steady(2000);
      twins[0] = await startInstance(PORTS.twins[0]!, env());
      await steady(1000);
      // 2. NATS killed and restarted (ingest answers 503 meanwhile; the client retries).
      await nats.restart('SIGKILL');
      await steady(2000);
      // 3. The replica restarted: reads fall back to the primary, then return to it.
      replica.stop('immediate');
      await steady(1500);
      replica.start();
      await steady(2000);
      // 4. nginx fails over: one upstream taken out (graceful reload), then the other killed.
      await nginx.setUpstreams([`127.0.0.1:${PORTS.twins[1]}`]);
      await steady(1000);
      await nginx.setUpstreams(PORTS.twins.map((p) => `127.0.0.1:${p}`));
      await twins[1]!.crash();
      await steady(2000);
      twins[1] = await startInstance(PORTS.twins[1]!, env());
      await steady(1000);
      running = false;
      await Promise.all([readings, tileLoad]);

      expect(acked.size).toBeGreaterThan(100);
      const stored = async () => {
        const [r] = await db<
          { n: number; d: number }[]
        >`SELECT count(*)::int AS n, count(DISTINCT ts)::int AS d FROM readings
          WHERE sensor_id = ${sensor!.id} AND ts >= ${new Date(base).toISOString()}::timestamptz`;
        return r!;
      };
      // Acked readings sit in JetStream until an instance commits them (30 s ack wait after a crash).
      await eventually(
        async () => {
          const rows = await db<{ t: Date }[]>`SELECT ts AS t FROM readings
          WHERE sensor_id = ${sensor!.id} AND ts >= ${new Date(base).toISOString()}::timestamptz`;
          const have = new Set(rows.map((r) => r.t.getTime()));
          return [...acked].every((ts) => have.has(ts));
        },
        'every acknowledged reading stored',
        120_000,
      );
      const s = await stored();
      expect(s.n).toBe(s.d); // exactly once
      expect(s.n).toBeGreaterThanOrEqual(acked.size);
      expect(s.n).toBeLessThanOrEqual(sent); // nothing invented

      const total = tileResults.ok + tileResults.failed;
      expect(total).toBeGreaterThan(100);
      expect(tileResults.ok / total).toBeGreaterThanOrEqual(0.99);

      // No stale tile after a change: a building in the tile changes on the primary; the next
      // tile through nginx (cached there, revalidated) shows it, whichever instance answers.
      const [b] = await db<{ id: string }[]>`SELECT id::text AS id FROM buildings
        WHERE ST_Within(geom, ST_TileEnvelope(${centre.z}::int, ${centre.x}::int, ${centre.y}::int)) ORDER BY id LIMIT 1`;
      const path = `/tiles/buildings/${centre.z}/${centre.x}/${centre.y}.mvt`;
      await fetch(`${nginx.url}${path}`).then((r) => r.arrayBuffer());
      await db`UPDATE buildings SET height_m = 321.5 WHERE id = ${b!.id}`;
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${nginx.url}${path}`);
        expect(res.status).toBe(200);
        const f = decodeTile(new Uint8Array(await res.arrayBuffer())).buildings!.find(
          (x) => String(x.id) === b!.id,
        );
        expect(f?.properties.height_m).toBe(321.5);
      }
    }, 480_000);
  },
);
