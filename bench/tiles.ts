import { join } from 'node:path';
import postgres from 'postgres';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { LayerCatalog } from '../tiles/catalog';
import { mvtLayerSql } from '../tiles/tile-sql';
import { tileSpan, WORLD_HALF, type TileCoord } from '../tiles/tile-coords';
import {
  BENCH_TWIN_ENV,
  concurrentFor,
  fmt,
  httpLoad,
  httpLoadFor,
  startProcess,
  type LoadResult,
} from './load';
import { cpuProfileFlags, printProfiles } from './profile-summary';
import {
  alternate,
  formatSpread,
  printComparison,
  roundOptions,
  spread,
  type Trial,
} from './rounds';
import { benchDatabaseUrl, ensureDatabase, peakRssMb, scaleOption } from './bench-db';

/**
 * `npm run bench -- tiles [--layer buildings] [--concurrency 16] [--rounds 5] [--seconds 5]
 *   [--scale 1] [--profile] [--embedded]`
 *
 * On the demo city in PostgreSQL + PostGIS (DATABASE_URL, default a local `twin_bench` database,
 * seeded when empty; `--scale 10` uses `twin_bench_s10` with TWIN_DEMO_SCALE=10), over a shuffled
 * list of every z14–z17 tile covering the city, in alternating rounds:
 *  - cold: the tile server (cache off) ÷ the same ST_AsMVT SQL sent directly with postgres.js;
 *  - cached: the tile server (cache warm) ÷ a plain node:http server returning a stored buffer;
 *  - cached ÷ cold of the tile server itself;
 * at the same concurrency, with p50/p95/p99 latencies. `--profile` writes CPU profiles of both
 * tile servers to .bench-profiles/ and prints where their time went. `--embedded`: the embedded
 * database instead (bench/tiles-embedded.ts).
 */
export async function run(args: string[]): Promise<void> {
  if (args.includes('--embedded')) return (await import('./tiles-embedded')).run(args);
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const layerName = opt('layer', 'buildings');
  const concurrency = Number(opt('concurrency', '16'));
  const rounds = roundOptions(args);
  const scale = scaleOption(args);
  const profile = args.includes('--profile');
  const url = benchDatabaseUrl(scale);
  await ensureDatabase(url);

  const env = {
    ...process.env,
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    TWIN_DEMO_SCALE: String(scale),
  };
  const config = loadConfig(env);
  const backend = await prepareDatabase(config, createLogger('warn'));
  const layer = new LayerCatalog().get(layerName);
  if (!layer) throw new Error(`unknown layer ${layerName}`);
  if (!backend.caps.mvt) throw new Error('this PostGIS has no ST_AsMVT; the tiles bench needs one');

  const tiles = await cityTiles(backend.db, layer.table, [14, 15, 16, 17]);
  const paths = tiles.map((t) => `/tiles/${layerName}/${t.z}/${t.x}/${t.y}.mvt`);
  const compiled = tiles.map((t) =>
    mvtLayerSql(layer, t, config.tiles.maxFeatures).compile(backend.db),
  );
  await backend.close();
  console.log(
    `tiles bench: ${tiles.length} ${layerName} tiles (z14–z17) of the demo city at scale ${scale}, ` +
      `concurrency ${concurrency}, ${rounds.rounds} alternating rounds of ${rounds.seconds} s`,
  );

  const serverEnv = {
    ...BENCH_TWIN_ENV,
    DATABASE_URL: url,
    TWIN_DEMO: 'off',
    TWIN_MQTT: 'off',
    TWIN_DEMO_SCALE: String(scale),
  };
  const profileDir = join(process.cwd(), '.bench-profiles', `tiles-${Date.now()}`);
  const server = (name: string) => [
    ...(profile ? cpuProfileFlags(join(profileDir, name)) : []),
    '--import',
    'tsx',
    'server/main.ts',
  ];
  const cold = await startProcess(server('cold'), { ...serverEnv, TWIN_TILE_CACHE_MB: '0' });
  const warm = await startProcess(server('cached'), { ...serverEnv, TWIN_TILE_CACHE_MB: '1024' });
  const warming = await httpLoad(warm.origin, paths, concurrency);
  assertAllServed(warming, 'warming');
  const meanBytes = Math.round(warming.bytes / ((warming.statuses[200] ?? 0) || 1));
  const plain = await startProcess(
    ['bench/static-server.mjs', String(meanBytes)],
    {},
    /listening on (http:\/\/\S+)/,
  );
  const direct = postgres(url, { max: config.dbPoolSize, onnotice: () => {} });
  await direct`SELECT 1`;

  // Each round starts at its own place in the shuffled list; both sides of a round at the same.
  const offset = (round: number) => (round * 7919) % paths.length;
  const http =
    (origin: string) =>
    async (round: number, seconds: number): Promise<Trial> => {
      const r = await httpLoadFor(origin, paths, concurrency, seconds, { offset: offset(round) });
      assertAllServed(r, origin);
      return { rate: r.perSecond, latencies: r.latencies };
    };
  try {
    console.log('\n· cold: ST_AsMVT SQL via postgres.js (baseline) vs tile server, cache off');
    const coldCmp = await alternate(
      {
        label: 'ST_AsMVT SQL via postgres.js (baseline)',
        trial: async (round, seconds) => {
          const r = await concurrentFor(
            (i) =>
              direct.unsafe(
                compiled[i % compiled.length]!.sql,
                compiled[i % compiled.length]!.parameters as never[],
                { prepare: true },
              ),
            concurrency,
            seconds,
            offset(round),
          );
          return { rate: r.perSecond, latencies: r.latencies };
        },
      },
      { label: 'tile server, cache off (cold)', trial: http(cold.origin) },
      rounds,
    );
    console.log('\n· cached: plain node:http (baseline) vs tile server, cache warm');
    const cachedCmp = await alternate(
      { label: 'plain node:http, stored buffer (baseline)', trial: http(plain.origin) },
      { label: 'tile server, cache warm', trial: http(warm.origin) },
      rounds,
    );
    const rss = { cold: peakRssMb(cold.child.pid!), cached: peakRssMb(warm.child.pid!) };

    printComparison('Cold tiles (tiles/s):', coldCmp, 'goal ≥ 0.90');
    printComparison('Cached tiles (tiles/s):', cachedCmp, 'goal ≥ 0.90');
    const speedup = spread(
      cachedCmp.subject.trials.map((t, i) => t.rate / coldCmp.subject.trials[i]!.rate),
    );
    console.log(`\nTile server cached ÷ cold, per round: ${formatSpread(speedup, 1)}   goal ≥ 15`);
    console.log(
      `mean tile ${fmt(meanBytes / 1024)} KiB gzip; ${tiles.length} tiles, ${fmt((100 * (warming.statuses[204] ?? 0)) / tiles.length, 0)} % empty; ` +
        `peak RSS of the tile server ${fmt(rss.cold, 0)} MB (cache off), ${fmt(rss.cached, 0)} MB (cache on)`,
    );
  } finally {
    await direct.end();
    await Promise.all([cold.stop(), warm.stop(), plain.stop()]);
  }
  if (profile) {
    console.log(
      `\nCPU profiles (open in Chrome DevTools or speedscope for the flame graph): ${profileDir}`,
    );
    printProfiles(join(profileDir, 'cold'));
    printProfiles(join(profileDir, 'cached'));
  }
}

function assertAllServed(r: LoadResult, label: string): void {
  const bad = Object.entries(r.statuses).filter(([s]) => s !== '200' && s !== '204');
  if (bad.length > 0) throw new Error(`${label}: failed responses: ${JSON.stringify(r.statuses)}`);
}

/** Every tile at the given zooms that intersects the layer's extent, shuffled (seeded). */
export async function cityTiles(
  db: Kysely<Database>,
  table: keyof Database,
  zooms: number[],
): Promise<TileCoord[]> {
  const { rows } = await sql<{ xmin: number; ymin: number; xmax: number; ymax: number }>`
    SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
    FROM (SELECT ST_Extent(geom) AS e FROM ${sql.table(table)}) s`.execute(db);
  const e = rows[0]!;
  const out: TileCoord[] = [];
  for (const z of zooms) {
    const span = tileSpan(z);
    const x0 = Math.floor((e.xmin + WORLD_HALF) / span);
    const x1 = Math.floor((e.xmax + WORLD_HALF) / span);
    const y0 = Math.floor((WORLD_HALF - e.ymax) / span);
    const y1 = Math.floor((WORLD_HALF - e.ymin) / span);
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push({ z, x, y });
  }
  let s = 42;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
