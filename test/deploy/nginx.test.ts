import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { lonLatToTile } from '../../tiles/tile-coords';
import { HAS_POSTGRES, type TestDatabase } from '../support/backends';
import { openTwoInstances, type TwoInstances } from '../support/two-instances';
import { tokenHeaders } from '../support/auth';
import {
  HAS_NGINX,
  nginxConfig,
  nginxTest,
  serveTwin,
  startNginx,
  type Nginx,
} from '../support/cluster';
import { decodeTile } from '../support/mvt';
import { AUTH, demoSensor, eventually, SseReader, TEST_KEY } from '../sensors/helpers';

/** Ports of this suite (issue #16 gives the scale-out tests 7400-7499). */
const PORT_A = 7401;
const PORT_B = 7402;
const PORT_NGINX = 7480;

describe.skipIf(!HAS_NGINX)('deploy/nginx.conf (needs Debian nginx: skipped)', () => {
  it("passes nginx -t as checked in, and with the tests' ports and paths", () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-nginx-t-'));
    try {
      const asShipped = nginxTest(join(process.cwd(), 'deploy/nginx.conf'), dir);
      expect(asShipped.output).toMatch(/syntax is ok/);
      expect(asShipped.ok).toBe(true);
      const file = join(dir, 'nginx.conf');
      writeFileSync(
        file,
        nginxConfig({ port: PORT_NGINX, upstreams: ['127.0.0.1:7401', '127.0.0.1:7402'], dir }),
      );
      const ours = nginxTest(file, dir);
      expect(ours.output).toMatch(/test is successful/);
      expect(ours.ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!HAS_NGINX || !HAS_POSTGRES)(
  'two instances behind nginx (needs nginx and DATABASE_URL: skipped)',
  () => {
    let pair: TwoInstances;
    let database: TestDatabase;
    const servers: { url: string; close(): Promise<void> }[] = [];
    let nginx: Nginx;
    const centre = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 16);
    const tilePath = `/tiles/buildings/${centre.z}/${centre.x}/${centre.y}.mvt`;

    beforeAll(async () => {
      pair = await openTwoInstances(() => ({ TWIN_INGEST_KEYS: TEST_KEY }));
      database = pair.database;
      servers.push(await serveTwin(pair.a, PORT_A), await serveTwin(pair.b, PORT_B));
      nginx = await startNginx(PORT_NGINX, [`127.0.0.1:${PORT_A}`, `127.0.0.1:${PORT_B}`]);
    });

    afterAll(async () => {
      await nginx?.stop();
      for (const s of servers) await s.close();
      await pair?.close();
    });

    const viaNginx = (path: string, init?: RequestInit) => fetch(`${nginx.url}${path}`, init);
    const buildingsIn = async (res: Response) =>
      res.status === 204
        ? []
        : (decodeTile(new Uint8Array(await res.arrayBuffer())).buildings ?? []);

    it('answers /healthz from either instance, with no sticky routing', async () => {
      const upstreams = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await viaNginx('/healthz');
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'ok' });
        upstreams.add(res.headers.get('X-Twin-Upstream')!);
      }
      expect(upstreams).toEqual(new Set([`127.0.0.1:${PORT_A}`, `127.0.0.1:${PORT_B}`]));
    });

    it('caches public tiles and revalidates each hit with the ETag (the twin answers 304)', async () => {
      const first = await viaNginx(tilePath);
      expect(first.status).toBe(200);
      const etag = first.headers.get('ETag')!;
      expect(first.headers.get('X-Accel-Expires')).toBeNull(); // nginx keeps it to itself
      const body = new Uint8Array(await first.arrayBuffer());
      const second = await viaNginx(tilePath);
      expect(second.headers.get('X-Cache-Status')).toBe('REVALIDATED');
      expect(second.headers.get('ETag')).toBe(etag);
      expect(new Uint8Array(await second.arrayBuffer())).toEqual(body);
      const conditional = await viaNginx(tilePath, { headers: { 'If-None-Match': etag } });
      expect(conditional.status).toBe(304);
    });

    it("never stores a signed-in caller's tiles in the shared cache", async () => {
      const staff = await tokenHeaders(database.backend.db, 'nginx-gis', 'gis');
      const res = await viaNginx(`/tiles/water_pipes/${centre.z}/${centre.x}/${centre.y}.mvt`, {
        headers: staff,
      });
      expect([200, 204]).toContain(res.status);
      expect(res.headers.get('X-Cache-Status')).toBe('BYPASS');
      expect(res.headers.get('Cache-Control')).toMatch(/private/);
      const anonymous = await viaNginx(
        `/tiles/water_pipes/${centre.z}/${centre.x}/${centre.y}.mvt`,
      );
      expect(anonymous.status).toBe(401);
    });

    it('shows a change made through instance A in the next tile through nginx, from instance B too', async () => {
      // Warm nginx's cache from both instances.
      for (let i = 0; i < 4; i++) await viaNginx(tilePath);
      const before = await buildingsIn(await viaNginx(tilePath));
      const gis = await tokenHeaders(database.backend.db, 'nginx-importer', 'gis');
      const [lon, lat] = DEFAULT_DEMO_CENTER;
      const d = 0.00008;
      const geojson = {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { name: 'Through A', height_m: 77 },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [lon - d, lat - d],
                  [lon + d, lat - d],
                  [lon + d, lat + d],
                  [lon - d, lat + d],
                  [lon - d, lat - d],
                ],
              ],
            },
          },
        ],
      };
      const form = new FormData();
      form.append('layer', 'buildings');
      form.append('mode', 'append');
      form.append('name', 'nginx freshness');
      for (const m of ['name=name', 'height_m=height_m']) form.append('map', m);
      form.append('file', new Blob([JSON.stringify(geojson)]), 'through-a.geojson');
      const created = await fetch(`${servers[0]!.url}/api/datasets`, {
        method: 'POST',
        headers: gis,
        body: form,
      });
      expect(created.status).toBe(202);
      const { job } = (await created.json()) as { job: { id: string } };
      // The import's progress stream, through nginx (unbuffered SSE): it ends when the job does.
      const events = await (
        await viaNginx(`/api/datasets/${job.id}/events`, { headers: gis })
      ).text();
      expect(events).toMatch(/event: end/);
      let status = 'running';
      await eventually(async () => {
        const res = await fetch(`${servers[0]!.url}/api/datasets/${job.id}`, { headers: gis });
        status = ((await res.json()) as { job: { status: string } }).job.status;
        return status !== 'running' && status !== 'queued';
      }, 'the import to finish');
      expect(status).toBe('succeeded');

      // The very next tiles through nginx — whichever instance revalidates them — show it.
      const seenBy = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await viaNginx(tilePath);
        expect(res.status).toBe(200);
        seenBy.add(res.headers.get('X-Twin-Upstream')!);
        const after = await buildingsIn(res);
        expect(after.length).toBe(before.length + 1);
        expect(after.some((f) => f.properties.name === 'Through A')).toBe(true);
      }
      expect(seenBy.has(`127.0.0.1:${PORT_B}`)).toBe(true);
    });

    it('passes the live stream through unbuffered: a reading sent to one instance reaches a client of the other', async () => {
      const sensor = await demoSensor(database.backend.db, 'traffic_speed', 7);
      const live = new SseReader(await viaNginx('/api/live?kind=traffic_speed'));
      await live.ready();
      const ts = Date.now() - 1000;
      for (const url of [servers[0]!.url, servers[1]!.url]) {
        const res = await fetch(`${url}/api/ingest/readings`, {
          method: 'POST',
          headers: { ...AUTH, 'Content-Type': 'application/json' },
          body: JSON.stringify([
            { sensor: sensor.external_id, ts: url === servers[0]!.url ? ts : ts + 1, value: 21 },
          ]),
        });
        expect(res.status).toBe(200);
      }
      await live.until(
        () => live.updates.filter((u) => u.sensor === sensor.id).length >= 1,
        'a reading through nginx',
      );
      await live.close();
    });

    it('fails over when an instance stops: every request still answered', async () => {
      await servers[0]!.close();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await viaNginx(tilePath)).status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      servers[0] = await serveTwin(pair.a, PORT_A);
    });
  },
);
