import http from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import postgres from 'postgres';
import { sql } from 'kysely';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { demoDatasetId, registerDemoSensors } from '../data/demo-sensors';
import { lonLatToTile } from '../tiles/tile-coords';
import { BENCH_TWIN_ENV, fmt, httpLoadFor, startProcess } from './load';
import { benchDatabaseUrl, ensureDatabase, peakRssMb } from './bench-db';
import { cpuProfileFlags, printProfiles } from './profile-summary';
import { benchReadings, BROKER_TOPIC, demoSensors, liveFeedBatch, mqttWindow } from './readings';
import { RawPublisher } from './mqtt-publisher';
import { hasMosquitto, startMosquitto } from './mosquitto';
import { READINGS_CHANNEL } from '../server/sensors/ingest-writer';
import {
  alternate,
  formatSpread,
  percentileOf,
  printComparison,
  roundOptions,
  spread,
  type Trial,
  benchOption,
} from './rounds';
import { TokenStore } from '../server/auth/token-store';
import { findUser } from '../server/auth/user-store';
import { ensureUser } from '../test/support/auth';

/**
 * `npm run bench -- ingest [--rounds 5] [--seconds 5] [--clients 1000] [--profile]`
 *
 * Needs PostgreSQL (DATABASE_URL, default a local `twin_bench`) and an MQTT broker (MQTT_URL,
 * default mqtt://127.0.0.1:1883). Against one twin process, in alternating rounds:
 *  - HTTP batches of 1,000 readings (8 clients) end to end ÷ a bare COPY into the same table;
 *  - MQTT QoS 1 messages (each acknowledged after commit) ÷ the same bare COPY;
 *  - reading → SSE event latency with 1,000 SSE clients (p50, p99 per round);
 *  - tile p95 (roads + pipes, cache off) while 5,000 readings/s arrive ÷ tile p95 idle.
 * Bench rows are written in 2020, a time window of their own, and removed between rounds.
 */
/** The private Mosquitto of the MQTT figures (the cluster bench uses 7453). */
const MOSQUITTO_PORT = 7651;

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  const rounds = roundOptions(args);
  const nClients = Number(opt('clients', '1000'));
  const profile = args.includes('--profile');
  // `--only http,sse`: a subset of the figures (http, mqtt, sse, tiles).
  const only = new Set(opt('only', 'http,mqtt,sse,tiles').split(','));
  const url = benchDatabaseUrl();
  await ensureDatabase(url);
  // MQTT through a private Mosquitto with no cap on queued messages (its default keeps 1,000 per
  // session beyond those in flight and drops the rest; Mosquitto 2.0.11 here also dropped with
  // a cap of 100,000 when far fewer were outstanding), or MQTT_URL's broker as it is.
  const ownBroker = !process.env.MQTT_URL && hasMosquitto();
  const broker = ownBroker ? await startMosquitto(MOSQUITTO_PORT, { maxQueued: 0 }) : null;
  const mqttUrl = broker?.url ?? process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const window = ownBroker ? 30_000 : mqttWindow(1000);
  const key = `bench-${randomBytes(12).toString('hex')}`;

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' });
  const backend = await prepareDatabase(config, createLogger('warn'));
  await registerDemoSensors(backend.db, await demoDatasetId(backend.db));
  // The tile load below includes water pipes, a staff layer (issue #9): it runs as a planner.
  await ensureUser(backend.db, 'bench', 'planner');
  const benchUser = (await findUser(backend.db, 'bench'))!;
  const { token: staffToken } = await new TokenStore(backend.db).create(
    backend.db,
    { id: String(benchUser.id), name: 'bench' },
    'bench ingest',
    { name: 'bench', role: 'system' },
  );
  const sensors = await demoSensors(backend.db);
  const { rows: ext } = await sql<{ w: number; s: number; e: number; n: number }>`SELECT
      ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom), 3857), 4326) AS b FROM road_links) x`.execute(
    backend.db,
  );
  await backend.close();
  if (sensors.length === 0 || !ext[0]) throw new Error('no demo city in the bench database');
  console.log(
    `ingest bench: ${sensors.length} sensors, ${url.replace(/:[^:@/]+@/, ':***@')}, MQTT ${mqttUrl}; ` +
      `${rounds.rounds} alternating rounds of ${rounds.seconds} s`,
  );

  const db = postgres(url, { max: 4, onnotice: () => {} });
  // Every trial writes its own slice of 2020: a unique (sensor, ts) per row.
  const readings = benchReadings(db, sensors);
  const { reading, slice, clean, batch } = readings;

  const copySide = {
    label: 'bare COPY into readings (baseline)',
    trial: async (_round: number, seconds: number): Promise<Trial> => {
      await clean();
      const from = slice();
      const t0 = performance.now();
      const until = t0 + seconds * 1000;
      const stream = await db`COPY readings (sensor_id, ts, value) FROM STDIN`.writable();
      let n = 0;
      while (performance.now() < until) {
        let chunk = '';
        for (let j = 0; j < 5000; j++, n++) {
          const { sensor, ts } = reading(from, n);
          chunk += `${sensor.id}\t${new Date(ts).toISOString()}\t${n % 100}\n`;
        }
        if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
      }
      await new Promise<void>((resolve, reject) =>
        stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      return { rate: n / ((performance.now() - t0) / 1000) };
    },
  };

  const profileDir = join(process.cwd(), '.bench-profiles', `ingest-${Date.now()}`);
  const twin = await startProcess(
    [...(profile ? cpuProfileFlags(profileDir) : []), '--import', 'tsx', 'server/main.ts'],
    {
      DATABASE_URL: url,
      MQTT_URL: mqttUrl,
      ...BENCH_TWIN_ENV,
      TWIN_DEMO: 'off',
      TWIN_TILE_CACHE_MB: '0',
      // Every SSE client of the bench comes from 127.0.0.1 (32 streams per address by default).
      TWIN_SSE_PER_CLIENT: String(nClients + 10),
      TWIN_INGEST_KEYS: key,
      TWIN_MQTT_CLIENT_ID: `bench-${randomBytes(4).toString('hex')}`,
      TWIN_MQTT_SHARE_GROUP: `bench-${randomBytes(4).toString('hex')}`,
    },
  );
  // fetch (undici): node:http's client, with 60 KB bodies, took about a third of the rate here.
  const post = async (body: string): Promise<number> => {
    const res = await fetch(`${twin.origin}/api/ingest/readings`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} ${text}`);
    return (JSON.parse(text) as { accepted: number }).accepted;
  };

  const httpSide = {
    label: 'HTTP ingest, batches of 1,000 (8 clients)',
    trial: async (_round: number, seconds: number): Promise<Trial> => {
      const { accepted, t0 } = await readings.httpTrial(post, seconds);
      return { rate: accepted / ((performance.now() - t0) / 1000) };
    },
  };

  const publishers = await Promise.all(
    Array.from({ length: 4 }, (_, p) =>
      RawPublisher.connect(mqttUrl, `bench-pub-${p}-${randomBytes(3).toString('hex')}`),
    ),
  );
  // What the twin committed, per slice: the readings in its NOTIFY payloads (sent at COMMIT),
  // counted as they arrive; polling count(*) every few ms cost the database more than the twin.
  const notified = new Map<number, number>();
  let counting: number | null = null;
  const listener = await db.listen(READINGS_CHANNEL, (payload) => {
    if (counting === null) return;
    let n = 0;
    for (const [, ts] of JSON.parse(payload) as [string, number, number][])
      if (ts >= counting && ts < counting + 86_400_000) n++;
    notified.set(counting, (notified.get(counting) ?? 0) + n);
  });
  const committed = (from: number) => {
    counting = from;
    notified.set(from, 0);
    return { count: () => notified.get(from) ?? 0 };
  };
  // The broker alone: a subscriber acknowledging each message at once (auto-ack), MQTT 5 with
  // the twin's receive maximum, on the same publishers and broker.
  const brokerSub = await mqtt.connectAsync(mqttUrl, {
    clientId: `bench-sub-${randomBytes(3).toString('hex')}`,
    protocolVersion: 5,
    properties: { receiveMaximum: 2000 },
  });
  const delivered = { received: 0 };
  brokerSub.on('message', () => delivered.received++);
  await brokerSub.subscribeAsync(`${BROKER_TOPIC}/+`, { qos: 1 });
  const brokerSide = {
    label: 'Mosquitto alone, a subscriber that acks at once',
    trial: (_round: number, seconds: number): Promise<Trial> =>
      readings.brokerTrial(publishers, delivered, seconds, window),
  };
  const mqttSide = {
    label: 'MQTT ingest, QoS 1, PUBACK after commit',
    trial: (_round: number, seconds: number): Promise<Trial> =>
      readings.mqttTrial(publishers, committed, seconds, window),
  };

  // Tiles of the road and pipe layers at z14–15 over the city, cache off.
  const tilePaths: string[] = [];
  const [{ w, s, e, n }] = ext as [{ w: number; s: number; e: number; n: number }];
  for (const z of [14, 15]) {
    const a = lonLatToTile(Number(w), Number(n), z);
    const b = lonLatToTile(Number(e), Number(s), z);
    for (let x = a.x; x <= b.x; x++)
      for (let y = a.y; y <= b.y; y++)
        tilePaths.push(`/tiles/roads,water_pipes/${z}/${x}/${y}.mvt`);
  }
  const tileHeaders = { 'Accept-Encoding': 'gzip', Authorization: `Bearer ${staffToken}` };
  const tileP95 = async (round: number, seconds: number) =>
    percentileOf(
      (
        await httpLoadFor(twin.origin, tilePaths, 8, seconds, {
          offset: round * 37,
          headers: tileHeaders,
        })
      ).latencies,
      95,
    );
  const tilesIdle = {
    label: 'tile p95 idle (baseline)',
    trial: async (round: number, seconds: number): Promise<Trial> => ({
      rate: await tileP95(round, seconds),
    }),
  };
  const tilesBusy = {
    label: 'tile p95 while ingesting 5,000 readings/s',
    trial: async (round: number, seconds: number): Promise<Trial> => {
      await clean();
      const from = slice();
      let running = true;
      let b = 0;
      // Five batches of 1,000 per second, paced (not as fast as possible).
      const feeder = (async () => {
        const t0 = performance.now();
        while (running) {
          await post(batch(from, b++, 1000));
          const due = t0 + (b * 1000) / 5;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      })();
      const p95 = await tileP95(round, seconds);
      running = false;
      await feeder;
      return { rate: p95 };
    },
  };

  try {
    const speed = sensors.filter((x) => x.ext.startsWith('demo-speed-'));
    const report: (() => void)[] = [];
    if (only.has('http')) {
      console.log('\n· HTTP batches vs bare COPY');
      const c = await alternate(copySide, httpSide, rounds);
      report.push(() => printComparison('HTTP ingest (readings/s):', c, 'goal ≥ 0.5'));
    }
    if (only.has('mqtt')) {
      console.log('\n· MQTT vs bare COPY');
      const c = await alternate(copySide, mqttSide, rounds);
      report.push(() => printComparison('MQTT ingest (messages/s):', c, 'goal ≥ 0.25'));
      console.log('\n· MQTT vs the broker alone');
      const b = await alternate(brokerSide, mqttSide, rounds);
      report.push(() =>
        printComparison('MQTT ingest ÷ what the broker alone carries (messages/s):', b, ''),
      );
    }
    if (only.has('sse')) {
      console.log(`\n· reading → SSE latency, ${nClients} clients`);
      const sse = await sseLatency(twin.origin, nClients, speed, rounds, post, slice, clean);
      report.push(() => {
        console.log(`\nReading → SSE event with ${nClients} clients, per round:`);
        console.log(`    p50 ${formatSpread(spread(sse.p50), 1)} ms`);
        console.log(
          `    p99 ${formatSpread(spread(sse.p99), 1)} ms   goal ≤ 100 (events received ${sse.received} of ${sse.expected})`,
        );
      });
    }
    if (only.has('tiles')) {
      console.log('\n· tile p95 idle vs while ingesting 5,000 readings/s');
      const c = await alternate(tilesIdle, tilesBusy, rounds, console.log, ' ms');
      report.push(() =>
        printComparison(
          'Tile p95 (roads + pipes, cache off) while ingesting ÷ idle:',
          c,
          'goal ≤ 1.5',
          ' ms',
        ),
      );
    }
    const rss = peakRssMb(twin.child.pid!);
    for (const r of report) r();
    console.log(`\npeak RSS of the twin ${fmt(rss, 0)} MB`);
  } finally {
    for (const p of publishers) p.end();
    await brokerSub.endAsync();
    await listener.unlisten();
    await broker?.stop();
    await twin.stop();
    await clean();
    await db.end();
  }
  if (profile) {
    console.log(
      `\nCPU profile (open in Chrome DevTools or speedscope for the flame graph): ${profileDir}`,
    );
    printProfiles(profileDir);
  }
}

/**
 * `nClients` SSE clients on /api/live; each round posts one batch of 10 readings every 25 ms (a
 * live feed) for the round's time and measures, per event, POST sent → event received.
 */
async function sseLatency(
  origin: string,
  nClients: number,
  speed: { id: string }[],
  { rounds, seconds }: { rounds: number; seconds: number },
  post: (body: string) => Promise<number>,
  slice: () => number,
  clean: () => Promise<void>,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: nClients + 10 });
  const u = new URL(origin);
  const sent = new Map<number, number>();
  let latencies: number[] = [];
  let received = 0;
  const clients = await Promise.all(
    Array.from(
      { length: nClients },
      () =>
        new Promise<http.ClientRequest>((resolve, reject) => {
          const req = http.get(
            { host: u.hostname, port: u.port, path: '/api/live?kind=traffic_speed', agent },
            (res) => {
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
                  if (block.startsWith('event: readings') && t !== undefined) {
                    latencies.push(performance.now() - t);
                    received++;
                  }
                }
              });
            },
          );
          req.on('error', reject);
        }),
    ),
  );
  const p50: number[] = [];
  const p99: number[] = [];
  let expected = 0;
  let value = 0;
  for (let r = 0; r < rounds; r++) {
    await clean();
    const from = slice();
    latencies = [];
    const t0 = performance.now();
    let b = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const v = value++;
      const body = liveFeedBatch(speed, from, b, v);
      sent.set(v, performance.now());
      await post(body);
      expected += nClients;
      b++;
      await new Promise((res) => setTimeout(res, 25));
    }
    await new Promise((res) => setTimeout(res, 1000));
    latencies.sort((a, c) => a - c);
    p50.push(percentileOf(latencies, 50));
    p99.push(percentileOf(latencies, 99));
    console.log(
      `  round ${r + 1}/${rounds}: p50 ${fmt(p50.at(-1)!, 1)} ms, p99 ${fmt(p99.at(-1)!, 1)} ms`,
    );
  }
  for (const c of clients) c.destroy();
  agent.destroy();
  return { p50, p99, received, expected };
}
