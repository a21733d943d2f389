import postgres from 'postgres';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { LayerCatalog } from '../tiles/catalog';
import { mvtLayerSql } from '../tiles/tile-sql';
import { tileSpan, WORLD_HALF, type TileCoord } from '../tiles/tile-coords';
import { concurrentRate, fmt, httpLoad, percentile, startProcess, type LoadResult } from './load';

/**
 * `npm run bench -- tiles [--layer buildings] [--concurrency 16] [--passes 2]`
 *
 * On the demo city in PostgreSQL + PostGIS (DATABASE_URL, default a local `twin_bench`
 * database, seeded when empty), over a shuffled list of every z14–z17 tile covering the city:
 *  - cold: the tile server (cache off) ÷ the same ST_AsMVT SQL sent directly with postgres.js;
 *  - cached: the tile server (cache warm) ÷ a plain node:http server returning a stored buffer;
 * both at the same concurrency, with p50/p95/p99 latencies.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const layerName = opt('layer', 'buildings');
  const concurrency = Number(opt('concurrency', '16'));
  const passes = Number(opt('passes', '2'));
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/twin_bench';
  await ensureDatabase(url);

  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' });
  const backend = await prepareDatabase(config, createLogger('warn'));
  const layer = new LayerCatalog().get(layerName);
  if (!layer) throw new Error(`unknown layer ${layerName}`);
  if (!backend.caps.mvt) throw new Error('this PostGIS has no ST_AsMVT; the tiles bench needs one');

  const tiles = await cityTiles(backend.db, layer.table, [14, 15, 16, 17]);
  const paths = tiles.map((t) => `/tiles/${layerName}/${t.z}/${t.x}/${t.y}.mvt`);
  console.log(`tiles bench: ${tiles.length} ${layerName} tiles (z14–z17) covering the demo city, concurrency ${concurrency}`);

  // Baseline 1: the same SQL, compiled once per tile, sent straight through postgres.js.
  const direct = postgres(url, { max: config.dbPoolSize, onnotice: () => {} });
  const compiled = tiles.map((t) => mvtLayerSql(layer, t, config.tiles.maxFeatures).compile(backend.db));
  await direct`SELECT 1`;
  console.log('· direct ST_AsMVT SQL through postgres.js …');
  const sqlRun = await concurrentRate(
    compiled.map((q) => () => direct.unsafe(q.sql, q.parameters as never[], { prepare: true })),
    concurrency,
  );
  await direct.end();
  await backend.close();

  const serverEnv = { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', TWIN_DEMO: 'off' };
  const serverArgs = ['--import', 'tsx', 'server/main.ts'];

  // Tile server, cache off: every request builds its tile.
  console.log('· tile server, cache off …');
  const cold = await startProcess(serverArgs, { ...serverEnv, TWIN_TILE_CACHE_MB: '0', LOG_LEVEL: 'info' });
  const coldRun = await httpLoad(cold.origin, paths, concurrency);
  await cold.stop();

  // Tile server, cache on: one warming pass, then measured passes served from memory.
  console.log('· tile server, cache on …');
  const warm = await startProcess(serverArgs, { ...serverEnv, TWIN_TILE_CACHE_MB: '512', LOG_LEVEL: 'info' });
  const warming = await httpLoad(warm.origin, paths, concurrency);
  const cachedPaths = Array.from({ length: passes }, () => paths).flat();
  const cachedRun = await httpLoad(warm.origin, cachedPaths, concurrency);
  await warm.stop();

  // Baseline 2: plain node:http returning a stored buffer of the mean tile size.
  console.log('· plain node:http …');
  const ok = (warming.statuses[200] ?? 0) || 1;
  const meanBytes = Math.round(warming.bytes / ok);
  const plain = await startProcess(['bench/static-server.mjs', String(meanBytes)], {}, /listening on (http:\/\/\S+)/);
  const plainRun = await httpLoad(plain.origin, cachedPaths, concurrency);
  await plain.stop();

  const row = (name: string, perSecond: number, lat: number[]) =>
    `${name.padEnd(44)} ${fmt(perSecond).padStart(10)} ${fmt(percentile(lat, 50), 2).padStart(8)} ${fmt(percentile(lat, 95), 2).padStart(8)} ${fmt(percentile(lat, 99), 2).padStart(8)}`;
  console.log(`\n${'run'.padEnd(44)} ${'tiles/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  console.log(row('ST_AsMVT SQL via postgres.js (baseline)', sqlRun.perSecond, sqlRun.latencies));
  console.log(row('tile server, cache off (cold)', coldRun.perSecond, coldRun.latencies));
  console.log(row('plain node:http, stored buffer (baseline)', plainRun.perSecond, plainRun.latencies));
  console.log(row('tile server, cache warm', cachedRun.perSecond, cachedRun.latencies));
  console.log(`\nstatuses cold ${JSON.stringify(coldRun.statuses)}, cached ${JSON.stringify(cachedRun.statuses)}; mean tile ${fmt(meanBytes / 1024)} KiB gzip`);
  console.log(`cold ratio   (tile server ÷ direct SQL):  ${fmt(coldRun.perSecond / sqlRun.perSecond, 2)}   (goal ≥ 0.90)`);
  console.log(`cached ratio (tile server ÷ node:http):   ${fmt(cachedRun.perSecond / plainRun.perSecond, 2)}   (goal ≥ 0.80)`);
  assertAllServed(coldRun, 'cold');
  assertAllServed(cachedRun, 'cached');
}

function assertAllServed(r: LoadResult, label: string): void {
  const bad = Object.entries(r.statuses).filter(([s]) => s !== '200' && s !== '204');
  if (bad.length > 0) throw new Error(`${label} run had failed responses: ${JSON.stringify(r.statuses)}`);
}

/** Creates the bench database (with PostGIS) on a local server when it does not exist. */
async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres({ ...parse(url), database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists.length === 0) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`will not create database ${name}`);
      await admin.unsafe(`CREATE DATABASE "${name}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

function parse(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password) || undefined,
  };
}

/** Every tile at the given zooms that intersects the layer's extent, shuffled (seeded). */
async function cityTiles(db: Kysely<Database>, table: keyof Database, zooms: number[]): Promise<TileCoord[]> {
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
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
