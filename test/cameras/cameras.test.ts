import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { CameraListResponse, FrameListResponse, FrameStored } from '../../common/camera-types';
import type { ReadingsResponse, SensorListResponse } from '../../common/sensor-types';
import { pruneFrames } from '../../server/cameras/frame-store';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { AUTH, SseReader, TEST_KEY } from '../sensors/helpers';
import { JPEG, noisePng, registerCamera, WEBP } from './support';

const post = (
  twin: TestTwin,
  camera: string,
  body: Uint8Array,
  type: string,
  query = '',
  headers: Record<string, string> = AUTH,
) =>
  twin.app.request(`/api/cameras/${camera}/frames${query}`, {
    method: 'POST',
    headers: { 'Content-Type': type, ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  });

const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

const frameRows = async (twin: TestTwin, camera: string) => {
  const { rows } = await sql<{
    n: string | number;
    bytes: string | number | null;
  }>`SELECT count(*) AS n, sum(bytes) AS bytes
    FROM camera_frames WHERE camera_id = ${camera}`.execute(twin.backend.db);
  return { n: Number(rows[0]!.n), bytes: Number(rows[0]!.bytes ?? 0) };
};

describe.each(BACKENDS)('traffic cameras on %s', (kind) => {
  let twin: TestTwin;
  let cam: { id: string; link: string; location: [number, number] };
  // 1 MiB per camera; a frame at most 400 KiB; frames kept an hour.
  const env = {
    TWIN_INGEST_KEYS: TEST_KEY,
    TWIN_CAMERA_BUDGET_MB: '1',
    TWIN_CAMERA_MAX_FRAME_KB: '400',
    TWIN_CAMERA_RETENTION_H: '1',
  };

  beforeAll(async () => {
    twin = await createTestTwin(kind, env);
    cam = await registerCamera(twin, 'test-cam-1');
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  it('registers a camera with its view and counts sensors; the public sees the site, not its frames', async () => {
    const body = (await (await twin.app.request('/api/cameras')).json()) as CameraListResponse;
    const c = body.cameras.find((x) => x.external_id === 'test-cam-1')!;
    expect(c).toMatchObject({
      id: cam.id,
      heading: 90,
      fov: 60,
      links: [cam.link],
      frames_public: false,
      frames_visible: false,
      latest_frame: null,
    });
    expect(c.counts.map((k) => k.kind)).toEqual(['traffic_flow', 'traffic_speed']);
    const staff = (await (
      await twin.app.request('/api/cameras', { headers: await twin.as('planner') })
    ).json()) as CameraListResponse;
    expect(staff.cameras.find((x) => x.id === cam.id)!.frames_visible).toBe(true);
    // A camera is a sensor: listed (kind camera) for the public like traffic sensors.
    const sensors = (await (
      await twin.app.request('/api/sensors?kind=camera')
    ).json()) as SensorListResponse;
    expect(sensors.sensors.map((s) => s.external_id)).toContain('test-cam-1');
  });

  it('refuses a camera without its view, and counts whose source is no camera', async () => {
    const gis = { 'Content-Type': 'application/json', ...(await twin.as('gis')) };
    const noView = await twin.app.request('/api/sensors', {
      method: 'POST',
      headers: gis,
      body: JSON.stringify({ external_id: 'cam-x', kind: 'camera', location: cam.location }),
    });
    expect(noView.status).toBe(400);
    const badSource = await twin.app.request('/api/sensors', {
      method: 'POST',
      headers: gis,
      body: JSON.stringify({
        external_id: 'cnt-x',
        kind: 'traffic_flow',
        location: cam.location,
        source: 'no-such-camera',
      }),
    });
    expect(badSource.status).toBe(400);
    expect(((await badSource.json()) as { error: { message: string } }).error.message).toMatch(
      /no camera/,
    );
  });

  it('stores a JPEG, a PNG and a WebP frame, each served back byte for byte as the latest', async () => {
    const base = Date.now() - 600_000;
    const png = noisePng(16, 12);
    for (const [i, [type, image]] of (
      [
        ['image/jpeg', JPEG],
        ['image/png', png],
        ['image/webp', WEBP],
      ] as const
    ).entries()) {
      const ts = new Date(base + i * 1000).toISOString();
      const res = await post(twin, cam.id, image, type, `?ts=${ts}`);
      expect(res.status).toBe(201);
      const stored = (await res.json()) as FrameStored;
      expect(stored).toMatchObject({ camera: cam.id, ts, bytes: image.byteLength, stored: true });
      const latest = await twin.app.request(`/api/cameras/${cam.id}/frame`, {
        headers: await twin.as('planner'),
      });
      expect(latest.status).toBe(200);
      expect(latest.headers.get('Content-Type')).toBe(type);
      expect(latest.headers.get('X-Frame-Time')).toBe(ts);
      expect(await bytesOf(latest)).toEqual(image);
    }
    // Sending the same frame again stores nothing new.
    const again = await post(
      twin,
      cam.id,
      WEBP,
      'image/webp',
      `?ts=${new Date(base + 2000).toISOString()}`,
    );
    expect(again.status).toBe(200);
    expect(((await again.json()) as FrameStored).stored).toBe(false);
  });

  it('answers the latest frame with an ETag, private caching and 304 when unchanged', async () => {
    const headers = await twin.as('planner');
    const first = await twin.app.request(`/api/cameras/${cam.id}/frame`, { headers });
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('Cache-Control')).toBe('private, no-cache');
    const again = await twin.app.request(`/api/cameras/${cam.id}/frame`, {
      headers: { ...headers, 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses a non-image sent as an image, a type mismatch and other types with 415', async () => {
    const before = await frameRows(twin, cam.id);
    const html = new TextEncoder().encode('<html><body>not a picture</body></html>');
    for (const [body, type] of [
      [html, 'image/png'],
      [html, 'image/jpeg'],
      [noisePng(4, 4), 'image/jpeg'],
      [JPEG, 'image/webp'],
      [JPEG, 'text/plain'],
      [JPEG, 'image/gif'],
    ] as const) {
      const res = await post(twin, cam.id, body, type);
      expect(res.status, `${type}`).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'unsupported_media_type',
      );
    }
    expect(await frameRows(twin, cam.id)).toEqual(before);
  });

  it('refuses a frame without a valid ingest key (401) and one over the size cap (413)', async () => {
    const before = await frameRows(twin, cam.id);
    expect((await post(twin, cam.id, JPEG, 'image/jpeg', '', {})).status).toBe(401);
    expect(
      (
        await post(twin, cam.id, JPEG, 'image/jpeg', '', {
          Authorization: 'Bearer not-the-key-at-all-xx',
        })
      ).status,
    ).toBe(401);
    // An account is not an ingest key.
    expect((await post(twin, cam.id, JPEG, 'image/jpeg', '', await twin.as('admin'))).status).toBe(
      403,
    );
    const big = noisePng(330, 330); // ≈ 436 KB > 400 KiB
    expect(big.byteLength).toBeGreaterThan(400 * 1024);
    const res = await post(twin, cam.id, big, 'image/png');
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_large');
    expect(await frameRows(twin, cam.id)).toEqual(before);
    expect((await post(twin, '99999999', JPEG, 'image/jpeg')).status).toBe(404);
  });

  it('lists the retained frames of a window and returns each by its time', async () => {
    const headers = await twin.as('planner');
    const from = new Date(Date.now() - 3600_000).toISOString();
    const res = await twin.app.request(`/api/cameras/${cam.id}/frames?from=${from}`, { headers });
    expect(res.status).toBe(200);
    const list = (await res.json()) as FrameListResponse;
    expect(list.frames.map((f) => f.content_type)).toEqual([
      'image/jpeg',
      'image/png',
      'image/webp',
    ]);
    expect(list.truncated).toBe(false);
    const one = await twin.app.request(list.frames[0]!.url, { headers });
    expect(one.status).toBe(200);
    expect(await bytesOf(one)).toEqual(JPEG);
    expect(one.headers.get('Cache-Control')).toContain('immutable');
    const limited = (await (
      await twin.app.request(`/api/cameras/${cam.id}/frames?from=${from}&limit=1`, { headers })
    ).json()) as FrameListResponse;
    expect(limited.frames.map((f) => f.content_type)).toEqual(['image/webp']);
    expect(limited.truncated).toBe(true);
    expect(
      (await twin.app.request(`/api/cameras/${cam.id}/frames/2020-01-01T00:00:00Z`, { headers }))
        .status,
    ).toBe(404);
    expect(
      (await twin.app.request(`/api/cameras/${cam.id}/frames/yesterday`, { headers })).status,
    ).toBe(400);
  });

  it('keeps frames within the byte budget (oldest and their bytes gone) and past retention deletes them', async () => {
    const other = await registerCamera(twin, 'test-cam-budget');
    const headers = await twin.as('planner');
    const base = Date.now() - 1800_000;
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ts = new Date(base + i * 60_000).toISOString();
      const res = await post(twin, other.id, noisePng(280, 280, i + 1), 'image/png', `?ts=${ts}`); // ≈ 314 KB each
      expect(res.status).toBe(201);
      sent.push(ts);
    }
    const kept = await frameRows(twin, other.id);
    expect(kept.n).toBe(3);
    expect(kept.bytes).toBeLessThanOrEqual(1024 * 1024);
    const list = (await (
      await twin.app.request(
        `/api/cameras/${other.id}/frames?from=${new Date(base - 1000).toISOString()}`,
        { headers },
      )
    ).json()) as FrameListResponse;
    expect(list.frames.map((f) => f.ts)).toEqual(sent.slice(2));
    expect(
      (await twin.app.request(`/api/cameras/${other.id}/frames/${sent[0]}`, { headers })).status,
    ).toBe(404);
    // An hour after the newest frame every one of them is past retention.
    expect(
      (
        await post(
          twin,
          other.id,
          JPEG,
          'image/jpeg',
          `?ts=${new Date(Date.now() - 2 * 3600_000).toISOString()}`,
        )
      ).status,
    ).toBe(400);
    const deleted = await pruneFrames(
      twin.backend.db,
      new Date(Date.parse(sent[4]!) + 3600_000 + 1000),
      { retentionH: 1, budgetBytes: 1024 * 1024 },
    );
    expect(deleted).toBeGreaterThanOrEqual(3);
    expect(await frameRows(twin, other.id)).toEqual({ n: 0, bytes: 0 });
    expect((await twin.app.request(`/api/cameras/${other.id}/frame`, { headers })).status).toBe(
      404,
    );
  });

  it('pushes a notice of each new frame to live clients: staff for a staff-only camera, everyone once public', async () => {
    const staffRes = await twin.app.request('/api/live?kind=camera', {
      headers: await twin.as('planner'),
    });
    const publicRes = await twin.app.request('/api/live');
    const staff = new SseReader(staffRes);
    const open = new SseReader(publicRes);
    try {
      await Promise.all([staff.ready(), open.ready()]);
      const ts = new Date(Date.now() - 5000).toISOString();
      expect((await post(twin, cam.id, JPEG, 'image/jpeg', `?ts=${ts}`)).status).toBe(201);
      await staff.until(() => staff.frames.some((f) => f.ts === ts), 'the staff frame notice');
      expect(staff.frames.find((f) => f.ts === ts)).toEqual({
        camera: cam.id,
        ts,
        url: `/api/cameras/${cam.id}/frames/${ts}`,
      });

      const patch = await twin.app.request(`/api/cameras/${cam.id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', ...(await twin.as('admin')) },
        body: JSON.stringify({ frames_public: true }),
      });
      expect(patch.status).toBe(200);
      const ts2 = new Date(Date.now() - 4000).toISOString();
      expect((await post(twin, cam.id, WEBP, 'image/webp', `?ts=${ts2}`)).status).toBe(201);
      await open.until(() => open.frames.some((f) => f.ts === ts2), 'the public frame notice');
      // The staff-only frame before never reached the public stream.
      expect(open.frames.map((f) => f.ts)).toEqual([ts2]);
    } finally {
      await staff.close();
      await open.close();
      await twin.app.request(`/api/cameras/${cam.id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', ...(await twin.as('admin')) },
        body: JSON.stringify({ frames_public: false }),
      });
    }
  });

  it('keeps frames staff-only until an admin makes them public, and audits the change', async () => {
    const paths = [`/api/cameras/${cam.id}/frame`, `/api/cameras/${cam.id}/frames`];
    for (const path of paths) {
      expect((await twin.app.request(path)).status).toBe(401);
      expect((await twin.app.request(path, { headers: await twin.as('planner') })).status).toBe(
        200,
      );
    }
    const patch = (headers: Record<string, string>, body: unknown) =>
      twin.app.request(`/api/cameras/${cam.id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await patch(await twin.as('gis'), { frames_public: true })).status).toBe(403);
    expect((await patch({}, { frames_public: true })).status).toBe(401);
    expect((await patch(await twin.as('admin'), { frames_public: 'yes' })).status).toBe(400);
    expect(
      (await patch(await twin.as('admin', 'camera-admin'), { frames_public: true })).status,
    ).toBe(200);

    const open = await twin.app.request(`/api/cameras/${cam.id}/frame`);
    expect(open.status).toBe(200);
    expect(open.headers.get('Cache-Control')).toBe('public, no-cache');
    const listed = (await (await twin.app.request('/api/cameras')).json()) as CameraListResponse;
    expect(listed.cameras.find((c) => c.id === cam.id)).toMatchObject({
      frames_public: true,
      frames_visible: true,
    });

    const audit = (await (
      await twin.app.request('/api/audit?action=camera.frames_public', {
        headers: await twin.as('admin'),
      })
    ).json()) as {
      entries: { actor: string; target_id: string; details: Record<string, unknown> }[];
    };
    const rows = audit.entries;
    expect(
      rows.some(
        (r) =>
          r.actor === 'camera-admin' && r.target_id === cam.id && r.details.frames_public === true,
      ),
    ).toBe(true);

    expect(
      (await patch(await twin.as('admin', 'camera-admin'), { frames_public: false })).status,
    ).toBe(200);
    expect((await twin.app.request(`/api/cameras/${cam.id}/frame`)).status).toBe(401);
  });

  it("takes the camera's counts as ordinary readings over the same ingest path", async () => {
    const flow = `test-cam-1-flow`;
    const speed = `test-cam-1-speed`;
    const live = new SseReader(await twin.app.request('/api/live?kind=traffic_speed'));
    try {
      await live.ready();
      const ts = Date.now() - 60_000;
      const res = await twin.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...AUTH },
        body: JSON.stringify([
          { sensor: flow, ts, value: 840 },
          { sensor: speed, ts, value: 12 },
        ]),
      });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(2);
      // They colour the watched road like any detector: the live stream carries the link's speed.
      await live.until(
        () => live.updates.some((u) => u.asset_id === cam.link && u.value === 12),
        'the camera speed reading',
      );
      expect(live.updates.find((u) => u.value === 12)!.ratio).toBeCloseTo(12 / 50, 5);
    } finally {
      await live.close();
    }
    const list = (await (
      await twin.app.request(
        `/api/sensors?asset_type=road_link&asset_id=${cam.link}&kind=traffic_flow,traffic_speed`,
      )
    ).json()) as SensorListResponse;
    const mine = list.sensors.filter((s) => s.external_id.startsWith('test-cam-1-'));
    expect(mine.map((s) => [s.kind, s.current?.value])).toEqual([
      ['traffic_flow', 840],
      ['traffic_speed', 12],
    ]);
    const history = (await (
      await twin.app.request(`/api/sensors/${flow}/readings?bucket=60`)
    ).json()) as ReadingsResponse;
    expect(history.points.reduce((n, p) => n + p.count, 0)).toBe(1);
    const { rows } = await sql<{
      source: string;
    }>`SELECT source_id::text AS source FROM sensors WHERE external_id = ${flow}`.execute(
      twin.backend.db,
    );
    expect(rows[0]!.source).toBe(cam.id);
  });
});
