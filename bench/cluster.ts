import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { RawPublisher } from './mqtt-publisher';
import postgres from 'postgres';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { demoDatasetId, registerDemoSensors } from '../data/demo-sensors';
import { startNginx } from '../test/support/cluster';
import { startMosquitto } from './mosquitto';
import { startInstance, type Instance } from '../test/support/instance';
import { startNats } from '../test/support/nats';
import { benchDatabaseUrl, ensureDatabase } from './bench-db';
import { fmt, httpLoad, httpLoadFor } from './load';
import {
  alternate,
  printComparison,
  roundOptions,
  type Comparison,
  type Trial,
  benchOption,
} from './rounds';
import { SseProbe } from './sse-probe';
import { benchReadings, demoSensors, liveFeedBatch, mqttWindow } from './readings';
import { cityTiles } from './tiles';

/** Ports (issue #16 gives the bench 7400–7499): nginx, NATS + its MQTT listener, Mosquitto, twins. */
const NGINX_PORT = 7450;
const NATS_PORT = 7451;
const NATS_MQTT_PORT = 7452;
const MOSQUITTO_PORT = 7453;
const SINGLE_PORT = 7460;
const CLUSTER_BASE_PORT = 7461;

/**
 * `npm run bench -- cluster [--instances 2] [--rounds 5] [--seconds 5] [--clients 200]
 *   [--only tiles,http,mqtt,sse]`
 *
 * The multi-instance setup of issue #16 as it runs (deploy/nginx.conf, nats-server with
 * JetStream and its MQTT listener, N twins with NATS_URL on one PostgreSQL) against one twin
 * without NATS on the same database, in alternating rounds:
 *  - cached tiles/s through nginx (proxy_cache, every hit revalidated → 304) ÷ one instance
 *    directly (its own tile cache warm), concurrency 16, z14–17 buildings;
 *  - HTTP ingest, batches of 1,000 (8 clients) through nginx into JetStream, counted once
 *    committed by the instances' shared consumer ÷ the same batches straight to the one instance
 *    (answered after COMMIT);
 *  - MQTT QoS 1 readings to NATS's MQTT listener, counted once committed ÷ the same to a
 *    Mosquitto of its own (port 7453; the twin acknowledges after COMMIT);
 *  - reading → SSE latency (p50/p99) with the readings posted to instance 1 and the clients on
 *    the other instances (over NATS `twin.live.readings`) ÷ posted to and watched on the one
 *    instance (PostgreSQL NOTIFY).
 * Needs PostgreSQL (DATABASE_URL, default a local `twin_bench`, seeded when empty), nginx,
 * nats-server and (for mqtt) mosquitto. Bench rows are in 2020 and removed between rounds.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  const rounds = roundOptions(args);
  const nInstances = Number(opt('instances', '2'));
  const nClients = Number(opt('clients', '200'));
  const only = new Set(opt('only', 'tiles,http,mqtt,sse').split(','));
  if (!Number.isInteger(nInstances) || nInstances < 2 || nInstances > 8)
    throw new Error('--instances must be 2–8 (the fan-out figure needs a second instance)');
  for (const [bin, flag] of [
    ['nginx', '-v'],
    ['nats-server', '--version'],
    ...(only.has('mqtt') ? [['mosquitto', '-h']] : []),
  ] as const) {
    // mosquitto -h exits 3 after printing its usage; what matters is that it ran.
    if (spawnSync(bin, [flag]).error) throw new Error(`${bin} is not installed (apt-get install)`);
  }

  const url = benchDatabaseUrl();
  await ensureDatabase(url);
  const backend = await prepareDatabase(
    loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }),
    createLogger('warn'),
  );
  await registerDemoSensors(backend.db, await demoDatasetId(backend.db));
  const sensors = await demoSensors(backend.db);
  const tiles = await cityTiles(backend.db, 'buildings', [14, 15, 16, 17]);
  await backend.close();
  const tilePaths = tiles.map((t) => `/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt`);
  const speed = sensors.filter((s) => s.ext.startsWith('demo-speed-'));
  if (sensors.length === 0 || speed.length === 0)
    throw new Error('no demo sensors in the bench DB');

  const key = `bench-${randomBytes(12).toString('hex')}`;
  const db = postgres(url, { max: 2, onnotice: () => {} });
  const stops: (() => Promise<void> | void)[] = [];
  try {
    const mosquitto = only.has('mqtt')
      ? await startMosquitto(MOSQUITTO_PORT, { maxQueued: 20_000 })
      : undefined;
    if (mosquitto) stops.push(mosquitto.stop);
    const nats = await startNats(NATS_PORT, NATS_MQTT_PORT);
    stops.push(nats.stop);
    const common = {
      DATABASE_URL: url,
      TWIN_INGEST_KEYS: key,
      TWIN_SIMULATOR: 'off',
      // Every SSE client of the bench comes from 127.0.0.1 (32 streams per address by default).
      TWIN_SSE_PER_CLIENT: String(nClients + 10),
    };
    const single = await startInstance(SINGLE_PORT, {
      ...common,
      ...(mosquitto
        ? {
            MQTT_URL: mosquitto.url,
            TWIN_MQTT_CLIENT_ID: `bench-${randomBytes(4).toString('hex')}`,
            TWIN_MQTT_SHARE_GROUP: `bench-${randomBytes(4).toString('hex')}`,
          }
        : { TWIN_MQTT: 'off' }),
    });
    stops.push(single.stop);
    // One at a time: the first creates the stream and the durable consumer, the others find them.
    const cluster: Instance[] = [];
    for (let i = 0; i < nInstances; i++) {
      const instance = await startInstance(CLUSTER_BASE_PORT + i, {
        ...common,
        NATS_URL: nats.url,
        TWIN_MQTT: 'off',
      });
      cluster.push(instance);
      stops.push(instance.stop);
    }
    const nginx = await startNginx(
      NGINX_PORT,
      cluster.map((c) => `127.0.0.1:${c.port}`),
    );
    stops.push(nginx.stop);
    console.log(
      `cluster bench: ${nInstances} instances with NATS behind nginx vs 1 instance without, ` +
        `${sensors.length} sensors, ${tilePaths.length} buildings tiles; ` +
        `${rounds.rounds} alternating rounds of ${rounds.seconds} s`,
    );

    const readings = benchReadings(db, sensors);
    const report: (() => void)[] = [];
    const remember = (c: Comparison, print: (c: Comparison) => void) => report.push(() => print(c));

    if (only.has('tiles')) {
      console.log('\n· cached tiles: one instance directly (baseline) vs through nginx');
      const tileSide = (label: string, origin: string) => ({
        label,
        trial: async (round: number, seconds: number): Promise<Trial> => {
          const r = await httpLoadFor(origin, tilePaths, 16, seconds, {
            offset: (round * 7919) % tilePaths.length,
          });
          const bad = Object.keys(r.statuses).filter((s) => s !== '200' && s !== '204');
          if (bad.length > 0) throw new Error(`${label}: ${JSON.stringify(r.statuses)}`);
          return { rate: r.perSecond, latencies: r.latencies };
        },
      });
      // One pass each fills the instance's cache and nginx's (and the upstreams' ETags).
      await httpLoad(single.url, tilePaths, 16);
      await httpLoad(nginx.url, tilePaths, 16);
      // What nginx does with a warm tile that has features (an empty one, 204, has no ETag).
      for (const path of tilePaths.slice(0, 50)) {
        const res = await fetch(`${nginx.url}${path}`, { headers: { 'Accept-Encoding': 'gzip' } });
        await res.arrayBuffer();
        if (res.status !== 200) continue;
        console.log(
          `  a warm tile through nginx: X-Cache-Status ${res.headers.get('x-cache-status')}`,
        );
        break;
      }
      const c = await alternate(
        tileSide('one instance directly, cache warm (baseline)', single.url),
        tileSide(`nginx proxy_cache → ${nInstances} instances (304s)`, nginx.url),
        rounds,
      );
      remember(c, (x) =>
        printComparison('Cached tiles (tiles/s), nginx ÷ one instance:', x, 'no goal set'),
      );
    }

    if (only.has('http')) {
      console.log('\n· HTTP ingest: one instance, COMMIT before the answer (baseline) vs NATS');
      const pushedBack = new Map<string, number>();
      /** Posts a batch until it is taken (a 503 is push-back: retried, as a gateway would). */
      const post = async (origin: string, body: string): Promise<number> => {
        for (;;) {
          const res = await fetch(`${origin}/api/ingest/readings`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
            body,
          });
          const text = await res.text();
          if (res.status === 503) {
            pushedBack.set(origin, (pushedBack.get(origin) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          if (res.status !== 200) throw new Error(`${res.status} ${text}`);
          // After a 503 some of a batch may be stored already: those come back as duplicates.
          const r = JSON.parse(text) as { accepted: number; duplicate: number };
          return r.accepted + r.duplicate;
        }
      };
      const httpSide = (label: string, origin: string) => ({
        label,
        trial: async (_round: number, seconds: number): Promise<Trial> => {
          const { from, accepted, t0 } = await readings.httpTrial((b) => post(origin, b), seconds);
          const answered = (performance.now() - t0) / 1000;
          // Through NATS the answer means "in JetStream": the figure counts until COMMIT.
          await readings.waitStored(from, accepted);
          const committed = (performance.now() - t0) / 1000;
          console.log(
            `    ${label}: ${accepted} readings answered in ${fmt(answered, 1)} s, all committed after ${fmt(committed, 1)} s`,
          );
          return { rate: accepted / committed };
        },
      });
      const c = await alternate(
        httpSide('HTTP → one instance → COMMIT (baseline)', single.url),
        httpSide(`HTTP → nginx → JetStream → ${nInstances} consumers → COMMIT`, nginx.url),
        rounds,
      );
      remember(c, (x) => {
        printComparison('HTTP ingest, batches of 1,000 (readings/s committed):', x, 'no goal set');
        console.log(
          `    503 push-back answers, retried after 200 ms: ${pushedBack.get(single.url) ?? 0} (one instance), ${pushedBack.get(nginx.url) ?? 0} (NATS)`,
        );
      });
    }

    if (only.has('mqtt') && mosquitto) {
      console.log('\n· MQTT QoS 1: Mosquitto → one instance (baseline) vs NATS MQTT listener');
      const connect = (brokerUrl: string) =>
        Promise.all(
          Array.from({ length: 4 }, (_, p) =>
            RawPublisher.connect(brokerUrl, `bench-pub-${p}-${randomBytes(3).toString('hex')}`),
          ),
        );
      const viaMosquitto = await connect(mosquitto.url);
      const viaNats = await connect(nats.mqttUrl);
      stops.push(async () => {
        for (const p of [...viaMosquitto, ...viaNats]) p.end();
      });
      const c = await alternate(
        {
          label: 'MQTT → Mosquitto → one instance → COMMIT (baseline)',
          trial: (_r, s) =>
            readings.mqttTrial(viaMosquitto, readings.pollStored, s, mqttWindow(20_000)),
        },
        {
          label: `MQTT → NATS listener → ${nInstances} consumers → COMMIT`,
          trial: (_r, s) => readings.mqttTrial(viaNats, readings.pollStored, s, mqttWindow(20_000)),
        },
        rounds,
      );
      remember(c, (x) =>
        printComparison('MQTT ingest, QoS 1 (readings/s committed):', x, 'no goal set'),
      );
    }

    if (only.has('sse')) {
      console.log(
        `\n· reading → SSE, ${nClients} clients: one instance, NOTIFY (baseline) vs across instances, NATS`,
      );
      const local = await SseProbe.open([single.url], nClients);
      const across = await SseProbe.open(
        cluster.slice(1).map((c) => c.url),
        nClients,
      );
      stops.push(() => (local.close(), across.close()));
      let value = 0;
      const sseSide = (label: string, probe: SseProbe, origin: string) => ({
        label,
        trial: async (_round: number, seconds: number): Promise<Trial> => {
          await readings.clean();
          const from = readings.slice();
          probe.take();
          const t0 = performance.now();
          // One batch of 10 readings every 25 ms (a live feed), each batch with its own value.
          for (let b = 0; performance.now() - t0 < seconds * 1000; b++) {
            const v = value++;
            const body = liveFeedBatch(speed, from, b, v);
            probe.sent(v);
            const res = await fetch(`${origin}/api/ingest/readings`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
              body,
            });
            if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
            await new Promise((r) => setTimeout(r, 25));
          }
          await new Promise((r) => setTimeout(r, 1000));
          const latencies = probe.take();
          const p99 =
            latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))];
          return { rate: p99 ?? NaN, latencies };
        },
      });
      const c = await alternate(
        sseSide('posted to and watched on one instance, NOTIFY (baseline)', local, single.url),
        sseSide(
          `posted to instance 1, watched on ${nInstances - 1} other(s), NATS`,
          across,
          cluster[0]!.url,
        ),
        rounds,
        console.log,
        ' ms p99',
      );
      remember(c, (x) => {
        printComparison(
          `Reading → SSE with ${nClients} clients, p99 ÷ baseline p99:`,
          x,
          'no goal set',
          ' ms p99',
        );
        console.log(
          `    events received: ${local.received} (one instance), ${across.received} (across)`,
        );
      });
    }

    for (const r of report) r();
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await benchReadings(db, sensors)
      .clean()
      .catch(() => undefined);
    await db.end();
  }
}

/** A Mosquitto of the bench's own (never the shared one on 1883): no persistence, anonymous. */
