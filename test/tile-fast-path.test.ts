import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { lonLatToTile } from '../tiles/tile-coords';
import { createServerWith, TILE_ROUTE } from '../server/tile-fast-path';
import { BACKENDS } from './support/backends';
import { createTestTwin, type TestTwin } from './support/twin';

const centre = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 16);
const TILE = `/tiles/buildings/${centre.z}/${centre.x}/${centre.y}.mvt`;
/** Inside the buildings' zoom range, far from the city: no feature. */
const EMPTY = '/tiles/buildings/16/0/0.mvt';
const GZIP = { 'Accept-Encoding': 'gzip' };
/** Any query sends a request to the app; this one changes nothing in its answer. */
const viaApp = (path: string) => `${path}?via=app`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Issue #14: anonymous GETs of public tiles are answered before the Hono app. The answer must be
 * the app's own, header for header, and everything else must still reach the app.
 */
describe.each(BACKENDS)('the tile fast path on %s', (kind) => {
  let twin: TestTwin;
  let server: ServerType;
  let port = 0;
  /** URLs the fast path handed to the app. */
  const passed: string[] = [];

  beforeAll(async () => {
    // Behind a proxy on this host (deploy/nginx.conf): X-Forwarded-Proto is believed.
    twin = await createTestTwin(kind, { TWIN_TRUSTED_PROXIES: '127.0.0.1' });
    // The fast path plans only with the layer versions kept in memory; on PostgreSQL they are
    // kept once the change listener is up (tile-freshness.test.ts).
    for (let i = 0; i < 100 && !twin.tiles.versions.cached(); i++) {
      await twin.app.request(EMPTY);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise<void>((resolve) => {
      server = serve(
        {
          fetch: twin.app.fetch,
          port: 0,
          hostname: '127.0.0.1',
          createServer: createServerWith((req, res, next) =>
            twin.fastTiles(req, res, () => {
              passed.push(req.url ?? '');
              next();
            }),
          ),
        },
        (info: AddressInfo) => {
          port = info.port;
          resolve();
        },
      );
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await twin?.dispose();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  /** Answered by the fast path, or handed to the app. */
  const via = async (path: string, headers?: Record<string, string>, method?: string) => {
    const before = passed.length;
    const answer = await get(path, headers, method);
    return { ...answer, fast: passed.length === before };
  };
  /** Headers that belong to the connection or the moment, not to the answer. */
  const comparable = (h: IncomingHttpHeaders) => {
    const {
      date: _d,
      connection: _c,
      'keep-alive': _k,
      'transfer-encoding': _t,
      'content-length': _l,
      ...rest
    } = h;
    return rest;
  };
  const requests = async (status: number) => {
    const metric = await twin.metrics.registry.getSingleMetric('twin_http_requests_total')!.get();
    return metric.values
      .filter(
        (v) =>
          v.labels.route === TILE_ROUTE &&
          v.labels.method === 'GET' &&
          v.labels.status === String(status),
      )
      .reduce((sum, v) => sum + v.value, 0);
  };

  it('answers a public tile itself, with the body and headers the app gives', async () => {
    const app = await via(viaApp(TILE), GZIP);
    expect(app.fast).toBe(false);
    expect(app.status).toBe(200);
    // Now in the cache: the fast path answers from memory.
    const fast = await via(TILE, GZIP);
    expect(fast.fast).toBe(true);
    expect(fast.status).toBe(200);
    expect(comparable(fast.headers)).toEqual(comparable(app.headers));
    expect(fast.headers['content-encoding']).toBe('gzip');
    expect(fast.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(Number(fast.headers['content-length'])).toBe(fast.body.length);
    expect(fast.body.equals(app.body)).toBe(true);
    // A cookie that holds no session changes nothing for the guard: still the fast path.
    expect((await via(TILE, { ...GZIP, Cookie: 'theme=dark' })).fast).toBe(true);
  });

  it('builds a tile that is not cached yet, as the app would', async () => {
    const path = `/tiles/buildings/${centre.z}/${centre.x + 1}/${centre.y}.mvt`;
    const fast = await via(path, GZIP);
    expect(fast.fast).toBe(true);
    const app = await via(viaApp(path), GZIP);
    expect(app.fast).toBe(false);
    expect([fast.status, app.status]).toEqual([app.status, fast.status]);
    expect(comparable(fast.headers)).toEqual(comparable(app.headers));
    expect(fast.body.equals(app.body)).toBe(true);
  });

  it('answers 304 to a matching ETag and 204 to an empty tile, as the app does', async () => {
    const { headers } = await get(TILE, GZIP);
    const etag = String(headers.etag);
    const fast304 = await via(TILE, { ...GZIP, 'If-None-Match': etag });
    const app304 = await via(viaApp(TILE), { ...GZIP, 'If-None-Match': etag });
    expect([fast304.fast, app304.fast]).toEqual([true, false]);
    expect([fast304.status, app304.status]).toEqual([304, 304]);
    expect(comparable(fast304.headers)).toEqual(comparable(app304.headers));

    const fast204 = await via(EMPTY, GZIP);
    const app204 = await via(viaApp(EMPTY), GZIP);
    expect([fast204.fast, app204.fast]).toEqual([true, false]);
    expect([fast204.status, app204.status]).toEqual([204, 204]);
    expect(comparable(fast204.headers)).toEqual(comparable(app204.headers));
  });

  it('sends HSTS exactly when the app does: behind a trusted proxy that says https', async () => {
    for (const proto of ['https', 'http']) {
      const headers = { ...GZIP, 'X-Forwarded-Proto': proto };
      const fast = await via(TILE, headers);
      const app = await via(viaApp(TILE), headers);
      expect([fast.fast, app.fast]).toEqual([true, false]);
      expect(comparable(fast.headers)).toEqual(comparable(app.headers));
      expect(fast.headers['strict-transport-security'] !== undefined).toBe(proto === 'https');
    }
  });

  it('counts its answers in the request metrics under the tile route', async () => {
    const before = await requests(200);
    expect((await via(TILE, GZIP)).fast).toBe(true);
    expect(await requests(200)).toBe(before + 1);
  });

  it('leaves everything else to the app', async () => {
    const ingest = await twin.as('admin', 'fast-path-admin');
    const cases: [string, Record<string, string>, number, string?][] = [
      // Staff layer, anonymous: the guard's 401.
      ['/tiles/water_pipes/16/0/0.mvt', GZIP, 401],
      // Credentials of any kind: the guard decides (here an admin, who may).
      [TILE, { ...GZIP, ...ingest }, 200],
      [TILE, { ...GZIP, Cookie: 'theme=dark; twin_session=not-a-session' }, 200],
      // A scenario, a query of any kind, no gzip, HEAD.
      [`${TILE}?scenario=00000000-0000-4000-8000-000000000000`, GZIP, 404],
      [viaApp(TILE), GZIP, 200],
      [TILE, {}, 200],
      [TILE, GZIP, 200, 'HEAD'],
      // Unknown layer, bad or out-of-range coordinates: the app's 4xx.
      ['/tiles/nope/16/0/0.mvt', GZIP, 404],
      ['/tiles/buildings/16/99999999/0.mvt', GZIP, 400],
      ['/tiles/buildings/2/0/0.mvt', GZIP, 400],
    ];
    for (const [path, headers, status, method] of cases) {
      const answer = await via(path, headers, method);
      expect({ path, headers, fast: answer.fast, status: answer.status }).toEqual({
        path,
        headers,
        fast: false,
        status,
      });
    }
    // Without gzip the app sends the tile unzipped.
    const plain = await get(TILE);
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('stops answering a layer the moment it becomes staff-only', async () => {
    const gis = await twin.as('gis', 'fast-path-gis');
    const patch = (access: string) =>
      twin.app.request('/api/layers/buildings', {
        method: 'PATCH',
        headers: { ...gis, 'Content-Type': 'application/json' },
        body: JSON.stringify({ access }),
      });
    expect((await patch('staff')).status).toBe(200);
    try {
      const anonymous = await via(TILE, GZIP);
      expect([anonymous.fast, anonymous.status]).toEqual([false, 401]);
    } finally {
      expect((await patch('public')).status).toBe(200);
    }
    // The write dropped the kept layer versions: the app reads them again, then the fast path
    // answers once more.
    expect((await via(TILE, GZIP)).status).toBe(200);
    expect((await via(TILE, GZIP)).fast).toBe(true);
  });
});
