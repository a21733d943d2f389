import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openBackend, type Backend } from '../server/db/backend';
import { migrate } from '../server/db/migrate';
import { LayerCatalog } from '../tiles/catalog';
import { ImportService } from '../server/imports/import-service';
import { DEFAULT_LIMITS } from '../server/imports/source';
import { parseWorkersReady } from '../server/imports/parse-in-worker';
import { alternate, printComparison, roundOptions, benchOption } from './rounds';

/**
 * `npm run bench -- import [--features 200000] [--rounds 5] [--million]`: in alternating rounds,
 * the twin's import of one GeoJSON of building footprints against ogr2ogr (Debian gdal-bin) loading the same file into the same
 * PostGIS (reprojected to EPSG:3857 with a GiST index, COPY mode, as the twin does), then — with
 * --million — the peak memory of a child process importing a 1,000,000-feature file.
 * Needs DATABASE_URL (a database `twin_bench_import` is created beside it) and ogr2ogr.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  if (args[0] === '--child') return child(args[1]!, args[2]!);
  const n = Number(opt('features', '200000'));
  // One import of the file per trial: each runs for as long as the file takes (≥ 5 s at 200k).
  const rounds = roundOptions(args);
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/twin_bench_import';
  const url = withDatabase(base, 'twin_bench_import');
  await recreate(url);
  const dir = mkdtempSync(join(tmpdir(), 'twin-bench-import-'));
  try {
    const file = join(dir, `buildings-${n}.geojson`);
    await writeBuildings(file, n);
    console.log(
      `file: ${n.toLocaleString('en')} polygons, ${(statSync(file).size / 1e6).toFixed(0)} MB`,
    );

    const backend = await openBenchBackend(url);
    try {
      await migrate(backend);
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      // Each trial starts from the same empty tables, with nothing left dirty by the last one.
      const reset = async () => {
        await admin`TRUNCATE buildings CASCADE`;
        await admin`TRUNCATE datasets CASCADE`;
        await admin`DROP TABLE IF EXISTS ogr_bench`;
        await admin`CHECKPOINT`.catch(() => undefined);
        // The twin boots its next parse worker once an import is over, as a server between
        // imports would: not during the next round (its CPU would count against either side).
        await parseWorkersReady();
      };
      try {
        if (spawnSync('ogr2ogr', ['--version']).error) {
          console.log('ogr2ogr: not installed (apt-get install gdal-bin); the twin alone:');
          await reset();
          const twin = await timeImport(backend, file);
          console.log(`twin     ${twin.toFixed(2)} s  ${(n / twin).toFixed(0)} features/s`);
        } else {
          const cmp = await alternate(
            {
              label: 'ogr2ogr (baseline)',
              trial: async () => {
                await reset();
                return { rate: n / ogr2ogr(file, url)! };
              },
            },
            {
              label: 'twin import',
              trial: async () => {
                await reset();
                return { rate: n / (await timeImport(backend, file)) };
              },
            },
            rounds,
          );
          printComparison(
            `Import of ${n.toLocaleString('en')} polygons into PostGIS (features/s):`,
            cmp,
            'goal ≥ 1.0',
          );
        }
      } finally {
        await reset();
        await admin.end();
      }
    } finally {
      await backend.close();
    }

    if (args.includes('--million')) {
      const big = join(dir, 'buildings-1000000.geojson');
      await writeBuildings(big, 1_000_000);
      console.log(`1M file: ${(statSync(big).size / 1e6).toFixed(0)} MB`);
      const self = fileURLToPath(import.meta.url);
      const runScript = fileURLToPath(new URL('./run.ts', import.meta.url));
      const res = spawnSync(
        process.execPath,
        [...process.execArgv, runScript, 'import', '--child', big, url],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (res.status !== 0)
        throw new Error(`1M child failed: ${res.stderr || res.stdout} (${self})`);
      const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as {
        seconds: number;
        maxRssMb: number;
        accepted: number;
      };
      console.log(
        `1M import: ${out.seconds.toFixed(1)} s, ${(1e6 / out.seconds).toFixed(0)} features/s, accepted ${out.accepted}, peak RSS ${out.maxRssMb.toFixed(0)} MB (process incl. worker)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench database through our backend: four connections, as the twin's import would use. */
function openBenchBackend(url: string): Promise<Backend> {
  return openBackend({ databaseUrl: url, dataDir: '', poolSize: 4, tileTimeoutMs: 10_000 });
}

/** In a child process: one import, then its peak resident memory (the number to watch). */
async function child(file: string, url: string): Promise<void> {
  const backend = await openBenchBackend(url);
  try {
    const t0 = performance.now();
    const service = new ImportService({
      backend,
      catalog: new LayerCatalog(),
      limits: DEFAULT_LIMITS,
    });
    const { done } = await service.submit({
      path: file,
      fileName: 'million.geojson',
      layer: 'buildings',
      mode: 'append',
      mapping: [],
      name: 'bench 1M',
      source: 'bench',
      licence: 'CC0-1.0',
    });
    const job = await done;
    if (job.status !== 'succeeded') throw new Error(job.error ?? 'failed');
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      JSON.stringify({
        seconds,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        accepted: job.counts!.accepted,
      }),
    );
  } finally {
    await backend.close();
  }
}

async function timeImport(backend: Backend, file: string): Promise<number> {
  const service = new ImportService({
    backend,
    catalog: new LayerCatalog(),
    limits: DEFAULT_LIMITS,
  });
  const t0 = performance.now();
  const { done } = await service.submit({
    path: file,
    fileName: 'bench.geojson',
    layer: 'buildings',
    mode: 'append',
    mapping: [],
    name: 'bench',
    source: 'bench',
    licence: 'CC0-1.0',
  });
  const job = await done;
  if (job.status !== 'succeeded') throw new Error(`twin import failed: ${job.error}`);
  return (performance.now() - t0) / 1000;
}

function ogr2ogr(file: string, url: string): number | null {
  const u = new URL(url);
  const pg = `PG:host=${u.hostname} port=${u.port || 5432} dbname=${u.pathname.slice(1)} user=${decodeURIComponent(u.username || 'postgres')}${u.password ? ` password=${decodeURIComponent(u.password)}` : ''}`;
  const t0 = performance.now();
  const res = spawnSync(
    'ogr2ogr',
    [
      '-f',
      'PostgreSQL',
      pg,
      file,
      '-nln',
      'ogr_bench',
      '-overwrite',
      '-t_srs',
      'EPSG:3857',
      '-lco',
      'GEOMETRY_NAME=geom',
      '-nlt',
      'PROMOTE_TO_MULTI',
      '--config',
      'PG_USE_COPY',
      'YES',
    ],
    { encoding: 'utf8' },
  );
  if (res.error) return null;
  if (res.status !== 0) throw new Error(`ogr2ogr failed: ${res.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** Building footprints around the demo centre (seeded, so every run loads the same file). */
export async function writeBuildings(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  await write('{"type":"FeatureCollection","features":[\n');
  for (let i = 0; i < n; i++) {
    const x = 5.0 + rnd() * 0.25,
      y = 52.0 + rnd() * 0.18,
      w = 0.0001 + rnd() * 0.0002,
      h = 0.00008 + rnd() * 0.00015;
    const r = (v: number) => v.toFixed(7);
    await write(
      `${i ? ',\n' : ''}{"type":"Feature","properties":{"id":${i},"height":${(3 + rnd() * 40).toFixed(1)},"building:levels":${1 + Math.floor(rnd() * 12)},"name":"b${i}"},"geometry":{"type":"Polygon","coordinates":[[[${r(x)},${r(y)}],[${r(x + w)},${r(y)}],[${r(x + w)},${r(y + h)}],[${r(x)},${r(y + h)}],[${r(x)},${r(y)}]]]}}`,
    );
  }
  await write('\n]}\n');
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function recreate(url: string): Promise<void> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = postgres(u.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const db = postgres(url, { max: 1, onnotice: () => {} });
    await db`CREATE EXTENSION IF NOT EXISTS postgis`;
    await db.end();
  } finally {
    await admin.end();
  }
}
