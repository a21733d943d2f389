import http from 'node:http';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import postgres from 'postgres';
import { sql } from 'kysely';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { demoDatasetId, registerDemoSensors } from '../data/demo-sensors';
import { lonLatToTile } from '../tiles/tile-coords';
import { fmt, httpLoad, percentile, startProcess } from './load';
import { TokenStore } from '../server/auth/token-store';
import { findUser } from '../server/auth/user-store';
import { ensureUser } from '../test/support/auth';

/**
 * `npm run bench -- ingest [--readings 200000] [--messages 30000] [--clients 1000]`
 *
 * Needs PostgreSQL (DATABASE_URL, default a local `twin_bench`) and an MQTT broker (MQTT_URL,
 * default mqtt://127.0.0.1:1883). Against one twin process, in one run:
 *  - readings/s end to end — HTTP batches of 1,000 (8 clients) and MQTT QoS 1 messages (each
 *    acknowledged after commit) — ÷ rows/s of a bare COPY into the same `readings` table;
 *  - p99 reading-to-SSE latency (HTTP POST sent → event received) with 1,000 SSE clients;
 *  - tile p95 (roads, cache off) while HTTP ingest runs ÷ tile p95 idle.
 * Bench rows are written in a time window of their own and deleted at the end.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const nReadings = Number(opt('readings', '200000'));
  const nMessages = Number(opt('messages', '30000'));
  const nClients = Number(opt('clients', '1000'));
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/twin_bench';
  const mqttUrl = process.env.MQTT_URL || 'mqtt://127.0.0.1:1883';
  const key = `bench-${randomBytes(12).toString('hex')}`;

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' });
  const backend = await prepareDatabase(config, createLogger('warn'));
  await registerDemoSensors(backend.db, await demoDatasetId(backend.db));
  // The tile load below includes water pipes, a staff layer (issue #9): it runs as a planner.
  await ensureUser(backend.db, 'bench', 'planner');
  const benchUser = (await findUser(backend.db, 'bench'))!;
  const { token: staffToken } = await new TokenStore(backend.db).create(backend.db, { id: String(benchUser.id), name: 'bench' }, 'bench ingest', { name: 'bench', role: 'system' });
  const { rows: sensorRows } = await sql<{ id: string; external_id: string }>`SELECT id, external_id
    FROM sensors WHERE external_id LIKE 'demo-%' ORDER BY id`.execute(backend.db);
  const sensors = sensorRows.map((r) => ({ id: String(r.id), ext: r.external_id }));
  const { rows: ext } = await sql<{ w: number; s: number; e: number; n: number }>`SELECT
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom), 3857), 4326) AS b FROM road_links) x`.execute(backend.db);
  if (sensors.length === 0 || !ext[0]) throw new Error('no demo city in the bench database');
  console.log(`ingest bench: ${sensors.length} sensors, PostgreSQL ${url.replace(/:[^:@/]+@/, ':***@')}, MQTT ${mqttUrl}`);

  // Every phase writes its own time window, far from live data: a unique (sensor, ts) per row.
  let cursor = Date.parse('2020-01-01T00:00:00Z');
  const window = (n: number) => {
    const from = cursor;
    cursor += Math.ceil(n / sensors.length + 1) * 1000;
    return (i: number) => ({ sensor: sensors[i % sensors.length]!, ts: from + Math.floor(i / sensors.length) * 1000 });
  };

  // Baseline: bare COPY into the same table (one stream, text format).
  console.log('· bare COPY …');
  const direct = postgres(url, { max: 2, onnotice: () => {} });
  const copyAt = window(nReadings);
  const copyStart = performance.now();
  const stream = await direct`COPY readings (sensor_id, ts, value) FROM STDIN`.writable();
  for (let i = 0; i < nReadings; i += 5000) {
    let chunk = '';
    for (let j = i; j < Math.min(nReadings, i + 5000); j++) {
      const { sensor, ts } = copyAt(j);
      chunk += `${sensor.id}\t${new Date(ts).toISOString()}\t${j % 100}\n`;
    }
    if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
  }
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const copyRate = nReadings / ((performance.now() - copyStart) / 1000);
  await backend.close();

  const twin = await startProcess(['--import', 'tsx', 'server/main.ts'], {
    DATABASE_URL: url,
    MQTT_URL: mqttUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    TWIN_DEMO: 'off',
    TWIN_SIMULATOR: 'off',
    TWIN_TILE_CACHE_MB: '0',
    TWIN_INGEST_KEYS: key,
    TWIN_MQTT_CLIENT_ID: `bench-${randomBytes(4).toString('hex')}`,
    TWIN_MQTT_SHARE_GROUP: `bench-${randomBytes(4).toString('hex')}`,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(`${twin.origin}/api/ingest/readings`);
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text).accepted as number) : reject(new Error(`${res.statusCode} ${text}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const batches = (n: number, size: number) => {
    const at = window(n);
    return Array.from({ length: Math.ceil(n / size) }, (_, b) =>
      JSON.stringify(
        Array.from({ length: Math.min(size, n - b * size) }, (_, k) => {
          const { sensor, ts } = at(b * size + k);
          return { sensor: sensor.id, ts, value: k % 100 };
        }),
      ),
    );
  };
  const runHttp = async (bodies: string[], concurrency: number) => {
    let next = 0;
    let accepted = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) accepted += await post(bodies[next++]!);
      }),
    );
    return { accepted, seconds: (performance.now() - t0) / 1000 };
  };

  console.log('· HTTP ingest, batches of 1,000 …');
  const httpRun = await runHttp(batches(nReadings, 1000), 8);
  const httpRate = httpRun.accepted / httpRun.seconds;

  console.log('· MQTT ingest, QoS 1 …');
  const db = postgres(url, { max: 1, onnotice: () => {} });
  const mqttAt = window(nMessages);
  const mqttFrom = new Date(mqttAt(0).ts).toISOString();
  const publishers = await Promise.all(
    Array.from({ length: 4 }, (_, p) => mqtt.connectAsync(mqttUrl, { clientId: `bench-pub-${p}-${randomBytes(3).toString('hex')}` })),
  );
  const mqttTo = new Date(mqttAt(nMessages - 1).ts + 1).toISOString();
  const stored = async () =>
    (await db`SELECT count(*)::int AS n FROM readings WHERE ts >= ${mqttFrom} AND ts < ${mqttTo}`)[0]!.n as number;
  const mqttStart = performance.now();
  // Publish in chunks, never more than ~1,500 ahead of what is stored: Mosquitto queues at most
  // 1,000 messages per subscriber by default and drops the rest (that would measure the broker).
  for (let c = 0; c < nMessages; c += 1000) {
    while (c - (await stored()) > 500) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(
      publishers.map(async (pub, p) => {
        const pending: Promise<unknown>[] = [];
        for (let i = c + p; i < Math.min(nMessages, c + 1000); i += publishers.length) {
          const { sensor, ts } = mqttAt(i);
          pending.push(pub.publishAsync(`twin/sensors/${sensor.ext}`, JSON.stringify({ ts, value: i % 100 }), { qos: 1 }));
        }
        await Promise.all(pending);
      }),
    );
  }
  for (;;) {
    const n = await stored();
    if (n >= nMessages) break;
    if (performance.now() - mqttStart > 600_000) throw new Error(`MQTT: only ${n} of ${nMessages} stored after 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const mqttRate = nMessages / ((performance.now() - mqttStart) / 1000);
  await Promise.all(publishers.map((p) => p.endAsync()));

  console.log(`· ${nClients} SSE clients, reading-to-event latency …`);
  const sseAgent = new http.Agent({ keepAlive: true, maxSockets: nClients + 10 });
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const origin = new URL(twin.origin);
  const clients = await Promise.all(
    Array.from({ length: nClients }, () =>
      new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get({ host: origin.hostname, port: origin.port, path: '/api/live?kind=traffic_speed', agent: sseAgent }, (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            if (buf.includes('event: ready')) resolve(req);
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const m = /"value":(\d+)/.exec(block);
              const t = m ? sent.get(Number(m[1])) : undefined;
              if (block.startsWith('event: readings') && t !== undefined) latencies.push(performance.now() - t);
            }
          });
        });
        req.on('error', reject);
      }),
    ),
  );
  const speedSensors = sensors.filter((s) => s.ext.startsWith('demo-speed-'));
  const sseAt = window(200 * 10);
  for (let b = 0; b < 200; b++) {
    // One small batch (10 readings, the batch number as value) every 25 ms, like a live feed.
    const body = JSON.stringify(
      Array.from({ length: 10 }, (_, k) => ({ sensor: speedSensors[(b * 10 + k) % speedSensors.length]!.id, ts: sseAt(b * 10 + k).ts, value: b })),
    );
    sent.set(b, performance.now());
    await post(body);
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 2000));
  for (const c of clients) c.destroy();
  sseAgent.destroy();
  latencies.sort((a, b) => a - b);

  console.log('· tiles idle, then while ingesting …');
  const tilePaths: string[] = [];
  const [{ w, s, e, n }] = ext as [{ w: number; s: number; e: number; n: number }];
  for (const z of [14, 15]) {
    const a = lonLatToTile(Number(w), Number(n), z);
    const b = lonLatToTile(Number(e), Number(s), z);
    for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) tilePaths.push(`/tiles/roads,water_pipes/${z}/${x}/${y}.mvt`);
  }
  const passes = Array.from({ length: 3 }, () => tilePaths).flat();
  const tileHeaders = { 'Accept-Encoding': 'gzip', Authorization: `Bearer ${staffToken}` };
  const idle = await httpLoad(twin.origin, passes, 8, tileHeaders);
  let ingesting = true;
  const background = (async () => {
    const bodies = batches(nReadings, 1000);
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (ingesting && next < bodies.length) await post(bodies[next++]!);
    }));
  })();
  const busy = await httpLoad(twin.origin, passes, 8, tileHeaders);
  ingesting = false;
  await background;
  agent.destroy();
  await twin.stop();

  // Bench rows live before 2021; drop them so the bench leaves the database as it found it.
  await db`DELETE FROM readings WHERE ts < '2021-01-01'`;
  await db.end();
  await direct.end();

  const p95Idle = percentile(idle.latencies, 95);
  const p95Busy = percentile(busy.latencies, 95);
  const row = (name: string, value: string, goal: string) => `${name.padEnd(58)} ${value.padStart(12)}   ${goal}`;
  console.log('');
  console.log(row('bare COPY into readings, rows/s', fmt(copyRate, 0), '(baseline)'));
  console.log(row('HTTP ingest end to end (batches of 1,000), readings/s', fmt(httpRate, 0), ''));
  console.log(row('  ÷ bare COPY', fmt(httpRate / copyRate, 2), 'goal ≥ 0.5'));
  console.log(row('MQTT ingest end to end (QoS 1, PUBACK after commit), msgs/s', fmt(mqttRate, 0), ''));
  console.log(row('  ÷ bare COPY', fmt(mqttRate / copyRate, 2), ''));
  console.log(row(`reading → SSE p50 / p99 (${nClients} clients), ms`, `${fmt(percentile(latencies, 50), 1)} / ${fmt(percentile(latencies, 99), 1)}`, 'goal p99 ≤ 250'));
  console.log(row(`  events received (of ${200 * nClients})`, String(latencies.length), ''));
  console.log(row('tile p95 idle / while ingesting, ms', `${fmt(p95Idle, 1)} / ${fmt(p95Busy, 1)}`, ''));
  console.log(row('  tile p95 while ingesting ÷ idle', fmt(p95Busy / p95Idle, 2), 'goal ≤ 1.5'));
}
