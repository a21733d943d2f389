import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOME_LAYERS, HOME_ZOOMS } from '../tiles/home-view';
import { lonLatToTile } from '../tiles/tile-coords';
import { TEST_DATA_DIR } from '../test/support/paths';
import { BENCH_TWIN_ENV, fmt, httpLoad, httpLoadFor, startProcess } from './load';
import { peakRssMb } from './bench-db';
import { cpuProfileFlags, printProfiles } from './profile-summary';
import { formatSpread, loadAverage, percentileOf, roundOptions, spread } from './rounds';

/**
 * `npm run bench -- tiles --embedded [--rounds 5] [--seconds 5] [--concurrency 8] [--profile]`
 *
 * The embedded default (PGlite, no DATABASE_URL) in a data directory of its own
 * (.test-data/bench-embedded, seeded on first use), in rounds:
 *  - first view after a restart: the twin is stopped and started again, then asked for what the
 *    map loads when it opens on the whole city (style, TileJSON, every tile of the default layers
 *    at the home view's zooms) at 6 connections, as a browser does; the time from the first
 *    request to the last answer is the server time of the first view (goal ≤ 3 s);
 *  - cold tiles: a twin with both tile caches off, z14–z17 buildings tiles at `--concurrency`
 *    (goal p95 ≤ 150 ms).
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const rounds = roundOptions(args);
  const concurrency = Number(opt('concurrency', '8'));
  const profile = args.includes('--profile');
  const dataDir = process.env.TWIN_DATA_DIR ?? join(TEST_DATA_DIR, 'bench-embedded');
  const env = {
    DATABASE_URL: '',
    TWIN_DATA_DIR: dataDir,
    ...BENCH_TWIN_ENV,
    TWIN_MQTT: 'off',
  };
  const server = ['--import', 'tsx', 'server/main.ts'];
  if (!existsSync(dataDir))
    console.log(`seeding the embedded bench database in ${dataDir} (a minute or two, once)`);
  const first = await startProcess(server, env);
  const bounds = (await (await fetch(`${first.origin}/tiles/roads.json`)).json()) as {
    bounds: [number, number, number, number];
  };
  await first.stop();

  const [w, s, e, n] = bounds.bounds;
  const tilesOf = (layer: string, z: number) => {
    const a = lonLatToTile(w, n, z);
    const b = lonLatToTile(e, s, z);
    const out: string[] = [];
    for (let x = a.x; x <= b.x; x++)
      for (let y = a.y; y <= b.y; y++) out.push(`/tiles/${layer}/${z}/${x}/${y}.mvt`);
    return out;
  };
  const ZOOM_RANGES: Record<string, [number, number]> = {
    land_use: [0, 18],
    roads: [0, 18],
    buildings: [12, 18],
  };
  const firstView = [
    '/styles/city.json',
    ...HOME_LAYERS.map((l) => `/tiles/${l}.json`),
    ...HOME_LAYERS.flatMap((l) => {
      const [lo, hi] = ZOOM_RANGES[l]!;
      const zs: number[] = [];
      for (let z = Math.max(lo, HOME_ZOOMS.min); z <= Math.min(hi, HOME_ZOOMS.max); z++) zs.push(z);
      return zs.flatMap((z) => tilesOf(l, z));
    }),
  ];
  console.log(
    `embedded tiles bench: ${dataDir}; first view = ${firstView.length} requests; ` +
      `${rounds.rounds} rounds, cold tiles ${rounds.seconds} s at concurrency ${concurrency}`,
  );

  console.log('\n· first view after a restart');
  const views: number[] = [];
  const opens: number[] = [];
  for (let r = 0; r < rounds.rounds; r++) {
    const t0 = performance.now();
    const twin = await startProcess(server, env);
    const opened = performance.now() - t0;
    const view = await httpLoad(twin.origin, firstView, 6);
    await twin.stop();
    const bad = Object.keys(view.statuses).filter((st) => st !== '200' && st !== '204');
    if (bad.length > 0)
      throw new Error(`first view: failed responses ${JSON.stringify(view.statuses)}`);
    views.push(view.seconds);
    opens.push(opened / 1000);
    console.log(
      `  round ${r + 1}/${rounds.rounds}: start ${fmt(opened / 1000, 1)} s, first view ${fmt(view.seconds, 2)} s ` +
        `(${view.requests} requests, p95 ${fmt(percentileOf(view.latencies, 95), 1)} ms; load ${fmt(loadAverage(), 1)})`,
    );
  }

  console.log('\n· cold tiles (memory and disk caches off)');
  const cold = tilesOf('buildings', 14).concat(
    tilesOf('buildings', 15),
    tilesOf('buildings', 16),
    tilesOf('buildings', 17),
  );
  let seed = 7;
  for (let i = cold.length - 1; i > 0; i--) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const j = seed % (i + 1);
    [cold[i], cold[j]] = [cold[j]!, cold[i]!];
  }
  const profileDir = join(process.cwd(), '.bench-profiles', `tiles-embedded-${Date.now()}`);
  const coldTwin = await startProcess(
    [...(profile ? cpuProfileFlags(profileDir) : []), ...server],
    {
      ...env,
      TWIN_TILE_CACHE_MB: '0',
      TWIN_TILE_DISK_CACHE_MB: '0',
    },
  );
  const p95: number[] = [];
  const rates: number[] = [];
  let rss = NaN;
  try {
    for (let r = 0; r < rounds.rounds; r++) {
      const run = await httpLoadFor(coldTwin.origin, cold, concurrency, rounds.seconds, {
        offset: r * 211,
      });
      p95.push(percentileOf(run.latencies, 95));
      rates.push(run.perSecond);
      console.log(
        `  round ${r + 1}/${rounds.rounds}: ${fmt(run.perSecond, 0)} tiles/s, p50 ${fmt(percentileOf(run.latencies, 50), 1)} ms, ` +
          `p95 ${fmt(p95.at(-1)!, 1)} ms (load ${fmt(loadAverage(), 1)})`,
      );
    }
  } finally {
    rss = peakRssMb(coldTwin.child.pid!);
    await coldTwin.stop();
  }

  console.log(
    `\nEmbedded (PGlite), first view after a restart: ${formatSpread(spread(views), 2)} s   goal ≤ 3 s`,
  );
  console.log(`    process start to listening: ${formatSpread(spread(opens), 1)} s`);
  console.log(
    `Embedded cold tiles at concurrency ${concurrency}: p95 ${formatSpread(spread(p95), 0)} ms   goal ≤ 150 ms`,
  );
  console.log(`    ${formatSpread(spread(rates), 0)} tiles/s; peak RSS ${fmt(rss, 0)} MB`);
  if (profile) {
    console.log(`\nCPU profile of the cold twin: ${profileDir}`);
    printProfiles(profileDir);
  }
}
