import { connect, type KV, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_POSTGRES } from '../support/backends';
import { HAS_NATS } from '../support/nats';
import { natsSuite } from '../support/nats-suite';
import { AUTH, demoSensor, eventually, SseReader } from '../sensors/helpers';
import { tokenHeaders } from '../support/auth';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { JPEG, registerCamera } from '../cameras/support';
import type { TestTwin } from '../support/twin';
import { requestJson, square, type Json } from '../support/requests';

/** Every key of a KV bucket (read to the end first: a lookup while iterating ends the listing early). */
async function allKeys(kv: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return keys;
}

/** Ports of this suite (issue #16): our own NATS 7722 with its MQTT listener 7783, twins 7711-7712. */
const NATS_PORT = 7722;
const NATS_MQTT_PORT = 7783;
const PORTS = [7711, 7712];

describe.skipIf(!HAS_NATS || !HAS_POSTGRES)(
  'live fan-out and impact jobs over NATS across two instances (needs nats-server and DATABASE_URL: skipped)',
  () => {
    // One job waiting across both instances at most (each has one worker).
    const suite = natsSuite(
      { nats: NATS_PORT, mqtt: NATS_MQTT_PORT, twins: PORTS },
      { TWIN_IMPACT_QUEUE: '1', TWIN_IMPACT_WORKERS: '1' },
    );
    const { instances } = suite;
    let nc: NatsConnection;

    beforeAll(async () => {
      nc = await connect({ servers: suite.nats.url });
    });

    afterAll(async () => {
      await nc?.drain().catch(() => undefined);
    });

    it('carries a reading ingested through A to a live client of B over twin.live.readings, not over NOTIFY', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_speed', 3);
      const onNats: string[] = [];
      const sub = nc.subscribe('twin.live.readings', {
        callback: (_e, m) => onNats.push(new TextDecoder().decode(m.data)),
      });
      await nc.flush(); // the subscription is on the server before anything is sent
      const notified: string[] = [];
      const unlisten = await suite.database.backend.listen('twin_readings', (p) =>
        notified.push(p),
      );
      const live = new SseReader(await fetch(`${instances[1]!.url}/api/live?kind=traffic_speed`));
      await live.ready();
      const ts = Date.now() - 2000;
      const res = await fetch(`${instances[0]!.url}/api/ingest/readings`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify([{ sensor: sensor.external_id, ts, value: 17.5 }]),
      });
      expect(res.status).toBe(200);
      await live.until(() => live.updates.some((u) => u.sensor === sensor.id), 'the reading on B');
      const update = live.updates.find((u) => u.sensor === sensor.id)!;
      expect(update).toMatchObject({ value: 17.5, ts: new Date(ts).toISOString() });
      // It travelled over NATS, and PostgreSQL carried no notification of it.
      await eventually(
        async () =>
          onNats.some((p) =>
            (JSON.parse(p) as [number | string, number, number][]).some(
              ([id]) => String(id) === sensor.id,
            ),
          ),
        'the reading on twin.live.readings',
        10_000,
      );
      expect(notified.filter((p) => p.includes(`[${sensor.id},`))).toEqual([]);
      // A repeated reading is not new: it is not sent to live clients again.
      const before = live.updates.filter((u) => u.sensor === sensor.id).length;
      await fetch(`${instances[0]!.url}/api/ingest/readings`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify([
          { sensor: sensor.external_id, ts, value: 17.5 },
          { sensor: sensor.external_id, ts: ts + 1000, value: 18 },
        ]),
      });
      await live.until(
        () => live.updates.some((u) => u.sensor === sensor.id && u.value === 18),
        'the second reading on B',
      );
      expect(live.updates.filter((u) => u.sensor === sensor.id).length).toBe(before + 1);
      await live.close();
      sub.unsubscribe();
      await unlisten();
    });

    it('carries a camera frame stored through A to a staff live client of B over twin.live.frames', async () => {
      // registerCamera talks to a twin: here, instance A over HTTP.
      const viaA = {
        app: {
          request: (path: string, init?: RequestInit) => fetch(`${instances[0]!.url}${path}`, init),
        },
        as: (role: 'gis' | 'planner') =>
          tokenHeaders(suite.database.backend.db, `nats-${role}`, role),
        backend: suite.database.backend,
      } as unknown as TestTwin;
      const cam = await registerCamera(viaA, 'nats-cam-1');
      const onNats: string[] = [];
      const sub = nc.subscribe('twin.live.frames', {
        callback: (_e, m) => onNats.push(new TextDecoder().decode(m.data)),
      });
      await nc.flush();
      const notified: string[] = [];
      const unlisten = await suite.database.backend.listen('twin_camera_frames', (p) =>
        notified.push(p),
      );
      const staff = new SseReader(
        await fetch(`${instances[1]!.url}/api/live?kind=camera`, {
          headers: await tokenHeaders(suite.database.backend.db, 'nats-planner', 'planner'),
        }),
      );
      await staff.ready();
      const ts = new Date(Date.now() - 5000).toISOString();
      const res = await fetch(`${instances[0]!.url}/api/cameras/${cam.id}/frames?ts=${ts}`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'image/jpeg' },
        body: JPEG as Uint8Array<ArrayBuffer>,
      });
      expect(res.status).toBe(201);
      await staff.until(() => staff.frames.some((f) => f.ts === ts), 'the frame notice on B');
      expect(staff.frames.find((f) => f.ts === ts)).toEqual({
        camera: cam.id,
        ts,
        url: `/api/cameras/${cam.id}/frames/${ts}`,
      });
      await eventually(
        async () =>
          onNats.some((p) => String((JSON.parse(p) as { c: string | number }).c) === cam.id),
        'the notice on twin.live.frames',
        10_000,
      );
      expect(notified).toEqual([]);
      await staff.close();
      sub.unsubscribe();
      await unlisten();
    });

    let auth: Record<string, string> | undefined;
    /** A request as a planner through instance `i`. */
    const call = async (i: number, method: string, path: string, body?: unknown) => {
      auth ??= await tokenHeaders(suite.database.backend.db, 'nats-planner', 'planner');
      const origin = instances[i]!.url;
      return requestJson((p, init) => fetch(`${origin}${p}`, init), auth, method, path, body);
    };
    /** A scenario with one tower near the demo centre (`k` makes each one different). */
    const tower = async (k: number) => {
      const [lon, lat] = DEFAULT_DEMO_CENTER;
      const { json: scenario } = await call(0, 'POST', '/api/scenarios', {
        name: `queued tower ${k}`,
      });
      const edit = await call(0, 'POST', `/api/scenarios/${scenario.id}/edits`, {
        kind: 'add_building',
        geometry: square(lon + 0.003 + 0.001 * k, lat - 0.005, 20),
        floors: 14 + k,
        use: 'residential',
      });
      expect(edit.status).toBe(201);
      return `/api/scenarios/${scenario.id}/impact`;
    };

    it('runs an impact requested through one instance on a worker of either, redelivers it when that instance is killed mid-computation, and serves the result through both', async () => {
      const path = await tower(0);

      // Asked through A, then through B: one job on the shared queue (coalesced), seen by both.
      const viaA = await call(0, 'GET', path);
      expect(viaA.status).toBe(202);
      expect(viaA.json.status).toMatch(/queued|running/);
      const viaB = await call(1, 'GET', path);
      expect(viaB.status).toBe(202);
      expect(viaB.json.queued_at).toBe(viaA.json.queued_at);

      // The job's state in the shared status bucket names the worker that took it.
      const kv = await nc.jetstream().views.kv('twin_impact_jobs');
      const running = async () => {
        for (const k of await allKeys(kv)) {
          const e = await kv.get(k);
          if (!e || e.operation !== 'PUT') continue;
          const v = JSON.parse(new TextDecoder().decode(e.value)) as Json;
          if (v.state === 'running' && v.queued_at === viaA.json.queued_at) return v;
        }
        return null;
      };
      let taken: Json | null = null;
      await eventually(
        async () => (taken = await running()) !== null,
        'a worker took the job',
        30_000,
      );
      const victim = instances.findIndex((i) => taken!.worker.endsWith(`:${i.child.pid}`));
      expect(victim).toBeGreaterThanOrEqual(0);
      const survivor = 1 - victim;
      // Both instances tell the same, truthful status.
      for (const i of [0, 1])
        expect((await call(i, 'GET', path)).json).toMatchObject({
          status: 'running',
          queued_at: viaA.json.queued_at,
        });

      await instances[victim]!.crash(); // kill -9 mid-computation: the job is not acknowledged
      expect((await call(survivor, 'GET', path)).json.status).toMatch(/running|queued/);
      let done: { status: number; json: Json } | undefined;
      await eventually(
        async () => (done = await call(survivor, 'GET', `${path}?wait=10`)).status === 200,
        'the impact finished by the survivor',
        150_000,
      );
      expect(done!.json.status).toBe('done');
      const finishedBy = JSON.parse(
        new TextDecoder().decode(
          (
            await (async () => {
              for (const k of await allKeys(kv)) {
                const e = await kv.get(k);
                if (
                  e?.operation === 'PUT' &&
                  (JSON.parse(new TextDecoder().decode(e.value)) as Json).queued_at ===
                    viaA.json.queued_at
                )
                  return e;
              }
              throw new Error('no status of the job');
            })()
          ).value,
        ),
      ) as Json;
      expect(finishedBy).toMatchObject({
        state: 'done',
        worker: expect.stringMatching(new RegExp(`:${instances[survivor]!.child.pid}$`)),
      });

      // The result is in the database: the restarted instance serves it as well, from the cache.
      await suite.start(victim);
      for (const i of [0, 1]) {
        const r = await call(i, 'GET', path);
        expect(r.status).toBe(200);
        expect(r.headers.get('X-Impact-Cache')).toBe('hit');
        expect(r.json.computed_at).toBe(done!.json.computed_at);
      }
    });

    it('refuses a job past the shared queue with 503 + Retry-After, and computes the ones it took', async () => {
      const paths = [await tower(1), await tower(2), await tower(3), await tower(4)];
      // Fresh instances: each worker builds its baseline first (seconds), so the first two jobs
      // keep both workers busy while the next two are asked for.
      for (const k of PORTS.keys()) {
        await instances[k]!.stop();
        await suite.start(k);
      }
      const answers: { status: number; headers: Headers; json: Json }[] = [];
      // Through alternating instances: the queue is one, across both.
      for (const [k, p] of paths.entries()) answers.push(await call(k % 2, 'GET', p));
      expect(answers[0]!.status).toBe(202);
      // Two workers in all and one job waiting at most: the fourth job cannot have been taken.
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const r of refused) {
        expect(r.headers.get('Retry-After')).toBeTruthy();
        expect(r.json.error.code).toBe('unavailable');
      }
      const queued = answers.find((a) => a.status === 202 && a.json.status === 'queued');
      if (queued) expect(queued.json.position).toBe(0);
      // Once there is room, every one is computed (a refused one asked again).
      for (const [k, p] of paths.entries()) {
        await eventually(
          async () => (await call((k + 1) % 2, 'GET', `${p}?wait=10`)).status === 200,
          `impact ${k}`,
          150_000,
        );
      }
      // The jobs were taken by the workers of both instances.
      const kv = await nc.jetstream().views.kv('twin_impact_jobs');
      const workers = new Set<string>();
      for (const key of await allKeys(kv)) {
        const e = await kv.get(key);
        if (e?.operation !== 'PUT') continue;
        const v = JSON.parse(new TextDecoder().decode(e.value)) as Json;
        if (v.state === 'done') workers.add(String(v.worker).split(':').pop()!);
      }
      expect([...workers].sort()).toEqual(
        expect.arrayContaining(instances.map((i) => String(i.child.pid))),
      );
    });
  },
);
