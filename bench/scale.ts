import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { ImpactService } from '../server/scenarios/impact-service';
import { addEdit, createScenario, deleteScenario } from '../server/scenarios/scenario-store';
import { EditSchema } from '../server/scenarios/edit-schema';
import { loadFactors } from '../server/impact/factors';
import { lonLatToTile } from '../tiles/tile-coords';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { BENCH_TWIN_ENV, fmt, httpLoadFor, startProcess } from './load';
import { benchDatabaseUrl, ensureDatabase, peakRssMb } from './bench-db';
import { cornerSquare } from '../test/support/requests';
import {
  alternate,
  formatSpread,
  percentileOf,
  printComparison,
  roundOptions,
  spread,
  benchOption,
} from './rounds';

/**
 * `npm run bench -- scale [--scales 1,10] [--rounds 5] [--seconds 5] [--impact-timeout 900]`
 *
 * The demo city at TWIN_DEMO_SCALE 1 and 10 (PostgreSQL, databases `twin_bench` and
 * `twin_bench_s10`, seeded on first use), how the twin grows with the city:
 *  - tile p95 of the same tiles (buildings + roads, z15–16, around the first city's centre;
 *    cache off) on two twins at once, in alternating rounds: goal flat (ratio ≈ 1);
 *  - a cold impact (baseline model built, then 10 added towers) in a child process: its time
 *    and peak memory, against the city's growth: goal at most linear;
 *  - peak memory of the tile server.
 */
export async function run(args: string[]): Promise<void> {
  if (args[0] === '--impact-child') return impactChild(args[1]!, Number(args[2]));
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  const scales = opt('scales', '1,10').split(',').map(Number);
  if (scales.length !== 2 || scales.some((s) => !Number.isInteger(s) || s < 1))
    throw new Error('--scales takes two scales, e.g. 1,10');
  const rounds = roundOptions(args);
  const impactTimeoutS = Number(opt('impact-timeout', '900'));

  const sizes: { buildings: number; links: number }[] = [];
  for (const scale of scales) {
    const url = benchDatabaseUrl(scale);
    await ensureDatabase(url);
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      TWIN_DEMO_SCALE: String(scale),
    });
    const started = Date.now();
    const backend = await prepareDatabase(config, createLogger('warn'), {
      onSeeded: () =>
        console.log(`seeded scale ${scale} in ${((Date.now() - started) / 1000).toFixed(0)} s`),
    });
    const b = await backend.db
      .selectFrom('buildings')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const l = await backend.db
      .selectFrom('road_links')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    sizes.push({ buildings: Number(b.n), links: Number(l.n) });
    await backend.close();
    console.log(
      `scale ${scale}: ${sizes.at(-1)!.buildings.toLocaleString('en')} buildings, ${sizes.at(-1)!.links.toLocaleString('en')} road links`,
    );
  }

  // The same tiles at both scales: a block around the first city's centre.
  const paths: string[] = [];
  for (const z of [15, 16]) {
    const c = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], z);
    const r = z === 15 ? 3 : 5;
    for (let x = c.x - r; x <= c.x + r; x++)
      for (let y = c.y - r; y <= c.y + r; y++)
        paths.push(`/tiles/buildings,roads/${z}/${x}/${y}.mvt`);
  }
  const twins = await Promise.all(
    scales.map((scale) =>
      startProcess(['--import', 'tsx', 'server/main.ts'], {
        ...BENCH_TWIN_ENV,
        DATABASE_URL: benchDatabaseUrl(scale),
        TWIN_DEMO: 'off',
        TWIN_MQTT: 'off',
        TWIN_TILE_CACHE_MB: '0',
      }),
    ),
  );
  let tileCmp;
  const rss: number[] = [];
  try {
    const side = (i: number) => ({
      label: `tile p95 at scale ${scales[i]}`,
      trial: async (round: number, seconds: number) => ({
        rate: percentileOf(
          (await httpLoadFor(twins[i]!.origin, paths, 8, seconds, { offset: round * 17 }))
            .latencies,
          95,
        ),
      }),
    });
    console.log(
      `\n· tile p95, ${paths.length} tiles (buildings + roads, z15–16), cache off, concurrency 8`,
    );
    tileCmp = await alternate(side(0), side(1), rounds, console.log, ' ms');
    for (const t of twins) rss.push(peakRssMb(t.child.pid!));
  } finally {
    await Promise.all(twins.map((t) => t.stop()));
  }

  console.log('\n· cold impact (baseline + 10 added towers), one child process per scale');
  const impacts: { ms: number; rssMb: number; steps?: Record<string, number> }[] = [];
  for (const scale of scales) {
    const r = await runImpactChild(benchDatabaseUrl(scale), scale, impactTimeoutS);
    impacts.push(r);
    console.log(
      `  scale ${scale}: ${Number.isFinite(r.ms) ? `${fmt(r.ms / 1000, 1)} s` : `> ${impactTimeoutS} s (stopped)`}, peak RSS ${fmt(r.rssMb, 0)} MB` +
        (r.steps ? `; baseline steps (ms): ${JSON.stringify(r.steps)}` : ''),
    );
  }

  const growth = sizes[1]!.buildings / sizes[0]!.buildings;
  printComparison(
    `Tile p95 at scale ${scales[1]} ÷ scale ${scales[0]}:`,
    tileCmp,
    'goal ≈ 1 (flat)',
    ' ms',
  );
  console.log(
    `\nCity growth: ${fmt(growth, 1)}× buildings, ${fmt(sizes[1]!.links / sizes[0]!.links, 1)}× road links`,
  );
  console.log(
    `Cold impact: ${fmt(impacts[0]!.ms / 1000, 1)} s → ${fmt(impacts[1]!.ms / 1000, 1)} s = ${fmt(impacts[1]!.ms / impacts[0]!.ms, 1)}× ` +
      `(÷ city growth ${fmt(impacts[1]!.ms / impacts[0]!.ms / growth, 2)}; goal ≤ 1, at most linear)`,
  );
  console.log(
    `Impact peak RSS: ${fmt(impacts[0]!.rssMb, 0)} → ${fmt(impacts[1]!.rssMb, 0)} MB; tile server peak RSS ${fmt(rss[0]!, 0)} → ${fmt(rss[1]!, 0)} MB`,
  );
  console.log(
    `(tile p95 per round at scale ${scales[1]}: ${formatSpread(spread(tileCmp.subject.trials.map((t) => t.rate)), 1)} ms)`,
  );
}

function runImpactChild(
  url: string,
  scale: number,
  timeoutS: number,
): Promise<{ ms: number; rssMb: number; steps?: Record<string, number> }> {
  const runScript = fileURLToPath(new URL('./run.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, runScript, 'scale', '--impact-child', url, String(scale)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const sample = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) || 0)), 500);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(sample);
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        const r = JSON.parse(last) as {
          ms: number;
          rssMb: number;
          steps?: Record<string, number>;
        };
        resolve({ ms: r.ms, rssMb: Math.max(r.rssMb, peak), steps: r.steps });
      } catch {
        resolve({ ms: NaN, rssMb: peak });
      }
    });
  });
}

/** In the child: a fresh ImpactService (nothing in memory), 10 towers, one impact; prints JSON. */
async function impactChild(url: string, scale: number): Promise<void> {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    TWIN_DEMO: 'off',
    TWIN_DEMO_SCALE: String(scale),
  });
  const backend = await prepareDatabase(config, createLogger('warn'));
  try {
    const factors = await loadFactors(backend.db);
    const s = await createScenario(
      backend.db,
      { name: `bench: scale ${scale}, 10 towers` },
      { id: null, name: 'bench' },
    );
    try {
      const [lon0, lat0] = DEFAULT_DEMO_CENTER;
      for (let k = 0; k < 10; k++) {
        const a = (k / 10) * 2 * Math.PI;
        const lon = lon0 + 0.012 * Math.cos(a);
        const lat = lat0 + 0.007 * Math.sin(a);
        const d = 0.00025;
        const edit = EditSchema.parse({
          kind: 'add_building',
          floors: 20 + k,
          use: k % 3 === 0 ? 'office' : 'residential',
          geometry: cornerSquare(lon, lat, d, 0.6 * d),
        });
        await addEdit(backend.db, s.id, edit, factors);
      }
      // A fresh service: its worker builds the baseline, then the scenario (issue #10's queue).
      const service = new ImpactService(backend.db, { ...config.impact, timeoutS: 3600 });
      const t = performance.now();
      let steps: Record<string, number> = {};
      try {
        await service.result(s.id, 3600_000);
        steps = (await service.baseline()).timings;
      } finally {
        await service.close();
      }
      const ms = performance.now() - t;
      console.log(JSON.stringify({ ms, rssMb: peakRssMb(process.pid), steps }));
    } finally {
      await deleteScenario(backend.db, s.id);
    }
  } finally {
    await backend.close();
  }
}
