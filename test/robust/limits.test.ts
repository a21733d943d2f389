import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type Twin } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import { KeyStore } from '../../server/sensors/api-keys';
import { startEmbeddedBroker } from '../../server/sensors/embedded-broker';
import { TEST_PASSWORD, ensureUser } from '../support/auth';
import { createTestTwin, type TestTwin } from '../support/twin';

/**
 * Issue #10: each limit a client meets, on the embedded database (the limits live in the HTTP
 * layer, the same for both backends). Ports 7100-7102 (this suite's own).
 */
const HTTP_PORT = 7100;
const MQTT_PORT = 7102;
const LIMITS = {
  TWIN_MAX_BODY_KB: '64',
  TWIN_JSON_MAX_DEPTH: '8',
  TWIN_JSON_MAX_STRING: '1000',
  TWIN_SSE_PER_CLIENT: '2',
  TWIN_SSE_TOTAL: '3',
  TWIN_RATE_WRITES: '5',
  TWIN_SIGNIN_FAILURES: '2',
  TWIN_TRUSTED_PROXIES: '127.0.0.1',
};

const json = (
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('limits on what one client sends or holds', () => {
  let twin: TestTwin;
  let planner: Record<string, string>;
  let server: ServerType;
  const scenarios = async () =>
    (await twin.backend.db.selectFrom('scenarios').select('id').execute()).length;

  beforeAll(async () => {
    twin = await createTestTwin('pglite', LIMITS);
    planner = await twin.as('planner', 'limits-planner');
    await new Promise<void>((resolve) => {
      server = serve({ fetch: twin.app.fetch, port: HTTP_PORT, hostname: '127.0.0.1' }, () =>
        resolve(),
      );
    });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await twin?.dispose();
  });

  it('answers 413 to a Content-Length over the limit before any of the body is sent', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(HTTP_PORT, '127.0.0.1', () => {
        // 200 MB announced, not one byte of it sent: the answer must come anyway.
        socket.write(
          `POST /api/scenarios HTTP/1.1\r\nHost: twin.test\r\nContent-Type: application/json\r\nAuthorization: ${planner.Authorization}\r\nContent-Length: 209715200\r\n\r\n`,
        );
      });
      let got = '';
      socket.on('data', (d) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n') && got.includes('}}')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"too_large"');
  });

  it('answers 413 to a chunked body as soon as it passes the limit, without reading the rest', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const result = await new Promise<{ status: number; written: number }>((resolve, reject) => {
      let written = 0;
      let done = false;
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: HTTP_PORT,
          method: 'POST',
          path: '/api/scenarios',
          headers: {
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked',
            ...planner,
          },
        },
        (res) => {
          done = true;
          res.resume();
          resolve({ status: res.statusCode!, written });
          req.destroy();
        },
      );
      req.on('error', (e) => (done ? undefined : reject(e)));
      const pump = () => {
        // Up to 100 MB, as fast as the server takes it.
        while (!done && written < 100 * 1024 * 1024) {
          written += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(result.written).toBeLessThan(100 * 1024 * 1024);
  });

  it('stops pulling a streamed body at the limit (in-process)', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
        if (pulled >= 10 * 1024 * 1024) controller.close();
      },
    });
    const res = await twin.app.request('/api/scenarios', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...planner },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(64 * 1024 + 2 * 16 * 1024);
  });

  it('answers 415 to a JSON route sent anything but application/json, and stores nothing', async () => {
    const before = await scenarios();
    const res = await twin.app.request('/api/scenarios', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', ...planner },
      body: '{"name":"plain"}',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'unsupported_media_type',
    );
    expect(await scenarios()).toBe(before);
  });

  it('refuses JSON nested too deep, a string too long or a NUL with 400, before any handler', async () => {
    const planner = await twin.as('planner', 'limits-json');
    const before = await scenarios();
    const deep = await twin.app.request(
      '/api/scenarios',
      json('POST', `{"name":"d","x":${'['.repeat(5000)}${']'.repeat(5000)}}`, planner),
    );
    expect(deep.status).toBe(400);
    expect(await deep.text()).toMatch(/nested deeper than 8/);
    const long = await twin.app.request(
      '/api/scenarios',
      json('POST', { name: 'x'.repeat(1001) }, planner),
    );
    expect(long.status).toBe(400);
    expect(await long.text()).toMatch(/longer than 1000/);
    const nul = await twin.app.request(
      '/api/scenarios',
      json('POST', { name: 'a\u0000b' }, planner),
    );
    expect(nul.status).toBe(400);
    expect(await nul.text()).toMatch(/NUL/);
    const badUtf8 = await twin.app.request('/api/scenarios', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...planner },
      body: new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(badUtf8.status).toBe(400);
    expect((await twin.app.request('/api/search?q=%00', {})).status).toBe(400);
    expect((await twin.app.request('/api/search?q=%FF', {})).status).toBe(400);
    expect(await scenarios()).toBe(before);
    // The same route takes a well-formed body.
    expect(
      (await twin.app.request('/api/scenarios', json('POST', { name: 'fine' }, planner))).status,
    ).toBe(201);
  });

  it('refuses times outside ±100 years and a factor of 1e308', async () => {
    const bbox = '5.12,52.09,5.125,52.093';
    for (const at of ['2200-01-01T00:00:00Z', '1800-01-01T00:00:00Z', '99999999999999999', 'NaN']) {
      const res = await twin.app.request(`/api/shadows?at=${at}&bbox=${bbox}`);
      expect(res.status, at).toBe(400);
    }
    const admin = await twin.as('admin', 'limits-admin');
    const res = await twin.app.request(
      '/api/impact-factors/residential.dwelling_size_m2',
      json('PUT', '{"value":1e308}', admin),
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/from 10 to 1000 m²/);
    const factors = (await (await twin.app.request('/api/impact-factors')).json()) as {
      factors: { key: string; unit: string; min: number; max: number }[];
    };
    expect(
      factors.factors.every(
        (f) => f.unit !== '' && Number.isFinite(f.min) && Number.isFinite(f.max),
      ),
    ).toBe(true);
  });

  it('refuses a polygon whose hole encloses its shell, or that crosses itself, with 400 and the reason', async () => {
    const me = await twin.as('planner', 'limits-geom');
    const s = (await (
      await twin.app.request('/api/scenarios', json('POST', { name: 'geometry' }, me))
    ).json()) as { id: string };
    const [lon, lat] = [5.1214, 52.0907];
    const sq = (d: number) => [
      [lon - d, lat - d],
      [lon + d, lat - d],
      [lon + d, lat + d],
      [lon - d, lat + d],
      [lon - d, lat - d],
    ];
    const cases: [unknown, RegExp][] = [
      [{ type: 'Polygon', coordinates: [sq(0.0001), sq(0.001)] }, /Hole lies outside shell/],
      [
        {
          type: 'Polygon',
          coordinates: [
            [
              [lon, lat],
              [lon + 0.001, lat + 0.001],
              [lon + 0.001, lat],
              [lon, lat + 0.001],
              [lon, lat],
            ],
          ],
        },
        /Self-intersection/,
      ],
    ];
    for (const [geometry, reason] of cases) {
      const res = await twin.app.request(
        `/api/scenarios/${s.id}/edits`,
        json('POST', { kind: 'add_building', geometry, floors: 3, use: 'office' }, me),
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(reason);
    }
    const edits = await twin.backend.db
      .selectFrom('scenario_edits')
      .select('id')
      .where('scenario_id', '=', s.id)
      .execute();
    expect(edits).toEqual([]);
  });

  it('answers 429 with Retry-After past the write limit, per account', async () => {
    const me = await twin.as('planner', 'limits-rate');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const res = await twin.app.request('/api/scenarios', json('POST', { name: `rate ${i}` }, me));
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('Retry-After');
    }
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Another account is not held back by this one.
    const other = await twin.as('planner', 'limits-rate-other');
    expect(
      (await twin.app.request('/api/scenarios', json('POST', { name: 'other' }, other))).status,
    ).toBe(201);
  });

  it('slows failed sign-ins down per account: 429 + Retry-After, even for the right password', async () => {
    await ensureUser(twin.backend.db, 'limits-signin', 'planner');
    await ensureUser(twin.backend.db, 'limits-signin-2', 'planner');
    const signIn = (username: string, password: string) =>
      twin.app.request('/api/session', json('POST', { username, password }));
    expect((await signIn('limits-signin', 'wrong password 1')).status).toBe(401);
    expect((await signIn('limits-signin', 'wrong password 2')).status).toBe(401);
    expect((await signIn('limits-signin', 'wrong password 3')).status).toBe(401);
    const held = await signIn('limits-signin', TEST_PASSWORD);
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await signIn('limits-signin-2', TEST_PASSWORD)).status).toBe(200);
  });

  it('caps event streams per client and in total (503 + Retry-After), and frees a slot when a stream closes', async () => {
    const open = () => twin.app.request('/api/live');
    const a = await open();
    const b = await open();
    expect([a.status, b.status]).toEqual([200, 200]);
    const c = await open();
    expect(c.status).toBe(503);
    expect(c.headers.get('Retry-After')).toBe('10');
    const gis = await twin.as('gis', 'limits-gis');
    const d = await twin.app.request('/api/live', { headers: gis });
    expect(d.status).toBe(200);
    expect(twin.sse.open).toBe(3);
    const e = await twin.app.request('/api/live', { headers: gis });
    expect(e.status).toBe(503); // the total cap (3)
    await a.body!.cancel();
    expect(twin.sse.open).toBe(2);
    const f = await open();
    expect(f.status).toBe(200);
    for (const r of [b, d, f]) await r.body!.cancel();
    expect(twin.sse.open).toBe(0);
  });

  it('pages lists with limit and cursor: every item once, next null at the end, 400 for a bad limit or cursor', async () => {
    const admin = await twin.as('admin', 'limits-admin');
    for (let i = 0; i < 5; i++) await ensureUser(twin.backend.db, `limits-page-${i}`, 'planner');
    for (const [path, field] of [
      ['/api/users', 'users'],
      ['/api/scenarios', 'scenarios'],
      ['/api/tokens', 'tokens'],
      ['/api/datasets', 'datasets'],
    ] as const) {
      const all = (await (
        await twin.app.request(`${path}?limit=1000`, { headers: admin })
      ).json()) as Record<string, unknown[]> & { next: string | null };
      expect(all.next, path).toBeNull();
      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const res = await twin.app.request(`${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: admin,
        });
        expect(res.status, path).toBe(200);
        const page = (await res.json()) as Record<string, unknown[]> & { next: string | null };
        expect(page[field]!.length).toBeLessThanOrEqual(2);
        seen.push(...page[field]!.map((x) => JSON.stringify(x)));
        cursor = page.next;
        if (++pages > 1000) throw new Error('pagination never ends');
      }
      expect(seen, path).toEqual(all[field]!.map((x) => JSON.stringify(x)));
      expect(seen.length, path).toBeGreaterThan(0);
      for (const bad of [
        'limit=0',
        'limit=1001',
        'limit=-1',
        'limit=1e3',
        'cursor=nope!',
        'cursor=eHl6',
      ]) {
        expect(
          (await twin.app.request(`${path}?${bad}`, { headers: admin })).status,
          `${path}?${bad}`,
        ).toBe(400);
      }
    }
  });

  it('sends security headers; never copies an untrusted Host or X-Forwarded-Host into URLs', async () => {
    const res = await twin.app.request('http://evil.example/tiles/buildings.json', {
      headers: { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https' },
    });
    expect(res.status).toBe(200);
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/worker-src 'self' blob:/);
    expect(csp).toMatch(/frame-ancestors 'self'/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Referrer-Policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('Strict-Transport-Security')).toBeNull();
    const tj = (await res.json()) as { tiles: string[] };
    expect(tj.tiles[0]).toBe('/tiles/buildings/{z}/{x}/{y}.mvt');
  });

  it('believes X-Forwarded-Host/-Proto only from a trusted proxy (TWIN_TRUSTED_PROXIES)', async () => {
    // The real server: the peer is 127.0.0.1, trusted here.
    const res = await fetch(`http://127.0.0.1:${HTTP_PORT}/tiles/buildings.json`, {
      headers: { 'X-Forwarded-Host': 'twin.example', 'X-Forwarded-Proto': 'https' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tiles: string[] }).tiles[0]).toBe(
      'https://twin.example/tiles/buildings/{z}/{x}/{y}.mvt',
    );
    expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
  });
});

describe('TWIN_PUBLIC_URL', () => {
  let twin: TestTwin;
  let served: Twin;
  beforeAll(async () => {
    twin = await createTestTwin('pglite');
    served = await createApp({
      backend: twin.backend,
      config: loadConfig({
        LOG_LEVEL: 'silent',
        TWIN_DEMO: 'off',
        TWIN_PUBLIC_URL: 'https://city.example/',
      }),
      log: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await served?.impacts.close();
    await twin?.dispose();
  });

  it('builds TileJSON and style URLs from it, whatever the Host, and sends HSTS', async () => {
    const res = await served.app.request('http://evil.example/tiles/buildings.json');
    expect(((await res.json()) as { tiles: string[] }).tiles[0]).toBe(
      'https://city.example/tiles/buildings/{z}/{x}/{y}.mvt',
    );
    expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=/);
    const style = (await (
      await served.app.request('http://evil.example/styles/city.json')
    ).json()) as { sources: Record<string, { url?: string }> };
    expect(
      Object.values(style.sources).every(
        (s) => s.url === undefined || s.url.startsWith('https://city.example/tiles/'),
      ),
    ).toBe(true);
  });
});

describe('the in-process MQTT broker', () => {
  const KEY = 'robust-mqtt-key-0123456789';
  const INTERNAL = 'robust-internal-token-0123456789';
  let twin: TestTwin;
  let broker: Awaited<ReturnType<typeof startEmbeddedBroker>>;
  beforeAll(async () => {
    twin = await createTestTwin('pglite');
    broker = await startEmbeddedBroker({
      port: MQTT_PORT,
      host: '127.0.0.1',
      keys: new KeyStore(twin.backend.db, [KEY]),
      internalToken: INTERNAL,
    });
  });
  afterAll(async () => {
    await broker?.stop();
    await twin?.dispose();
  });

  it('lets devices publish only to twin/sensors/{id} and subscribe only to twin/rejected/…, never #', async () => {
    const internal = await mqtt.connectAsync(broker.url, {
      password: INTERNAL,
      username: 'twin',
      clientId: 'robust-internal',
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    internal.on('message', (topic) => got.push(topic));
    await internal.subscribeAsync('#', { qos: 1 });

    const device = await mqtt.connectAsync(broker.url, {
      password: KEY,
      username: 'device',
      clientId: 'robust-device',
      reconnectPeriod: 0,
    });
    const refused = (topic: string) =>
      device.subscribeAsync(topic, { qos: 1 }).then(
        (granted) => granted[0]!.qos === 128,
        () => true,
      );
    for (const topic of ['#', 'twin/#', 'twin/sensors/+', 'twin/sensors/robust-1', '$SYS/#'])
      expect(await refused(topic), topic).toBe(true);
    // Rejection reasons are the one thing a device may read.
    expect(await refused('twin/rejected/#')).toBe(false);
    await device.publishAsync(
      'twin/sensors/robust-1',
      JSON.stringify({ ts: Date.now(), value: 1 }),
      { qos: 1 },
    );
    // A publish elsewhere is refused: the broker drops the device's connection, nothing is routed.
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('twin/other', 'x', { qos: 1 });
    await closed;
    const probe = await mqtt.connectAsync(broker.url, {
      password: KEY,
      username: 'device',
      clientId: 'robust-device-2',
      reconnectPeriod: 0,
    });
    await probe.publishAsync('twin/sensors/robust-2', 'y', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toContain('twin/sensors/robust-1');
    expect(got).toContain('twin/sensors/robust-2');
    expect(got).not.toContain('twin/other');
    await probe.endAsync();
    await device.endAsync(true);
    await internal.endAsync();
  });
});
