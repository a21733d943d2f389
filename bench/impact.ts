import { loadavg } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { ImpactService } from '../server/scenarios/impact-service';
import { lonLatToTile } from '../tiles/tile-coords';
import { TEST_DATA_DIR } from '../test/support/paths';
import { fmt, httpLoad, percentile } from './load';
import { tokenHeaders } from '../test/support/auth';
import { cornerSquare } from '../test/support/requests';
import { alternate, benchOption, printComparison, roundOptions, type Trial } from './rounds';

/**
 * `npm run bench -- impact [--warm 20] [--cold 3] [--rounds 5] [--seconds 5]`
 *
 * On the demo city (DATABASE_URL, or an embedded database in .test-data/bench-impact, seeded on
 * first use), with the twin's own HTTP server in this process (as `npm start` runs it):
 *  - impact after one edit with the baseline warm in the worker: p50 / p95 over `--warm`
 *    scenarios, each a different tower, the relative gap each reached, time by model;
 *  - the same from cold (a new impact service: city read, baseline built and calibrated), `--cold`
 *    times, with the baseline's own time by step;
 *  - tile p95 (cache off) while 20 impacts are requested at once ÷ tile p95 idle, in
 *    alternating rounds of at least `--seconds` (a loaded round lasts while any of its 20
 *    impacts is computed), the median and range of the per-round ratios (goal ≤ 2.0).
 * Prints the machine's load average beside the figures: other work on the machine moves them.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  const nWarm = Number(opt('warm', '20'));
  const nCold = Number(opt('cold', '3'));
  const rounds = roundOptions(args);
  const config = loadConfig({
    ...process.env,
    TWIN_DATA_DIR: process.env.TWIN_DATA_DIR ?? join(TEST_DATA_DIR, 'bench-impact'),
    LOG_LEVEL: 'warn',
    TWIN_TILE_CACHE_MB: '0',
    TWIN_IMPACT_QUEUE: '64',
  });
  const log = createLogger('warn');
  const backend = await prepareDatabase(config, log);
  const twin = await createApp({ backend, config, log });
  const server = serve({ fetch: twin.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const address = server.address() as { port: number };
  const origin = `http://127.0.0.1:${address.port}`;
  const created: string[] = [];
  // Scenarios are their owner's drafts (issue #9): the bench acts as a planner with an API token.
  const auth = await tokenHeaders(backend.db, 'bench-impact', 'planner');
  const json = { ...auth, 'Content-Type': 'application/json' };
  try {
    const { rows: sites } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(ST_Transform(n.geom, 4326)) AS lon, ST_Y(ST_Transform(n.geom, 4326)) AS lat FROM road_nodes n
      WHERE NOT EXISTS (SELECT 1 FROM buildings b WHERE ST_DWithin(b.geom, n.geom, 35))
      ORDER BY n.id`.execute(backend.db);
    let next = 0;
    /** A scenario with one new tower at the next free crossing (20–40 floors). */
    const scenario = async (label: string): Promise<string> => {
      const site = sites[(next * 37) % sites.length]!;
      const floors = 20 + (next % 21);
      next++;
      const res = await twin.app.request('/api/scenarios', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: `bench: ${label}` }),
      });
      const s = (await res.json()) as { id: string };
      created.push(s.id);
      const d = 0.00018;
      const [lon, lat] = [Number(site.lon), Number(site.lat)];
      const geometry = cornerSquare(lon, lat, d, 0.6 * d);
      await twin.app.request(`/api/scenarios/${s.id}/edits`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ kind: 'add_building', geometry, floors, use: 'residential' }),
      });
      return s.id;
    };
    type Impact = {
      elapsed_ms: number;
      timings: Record<string, number>;
      traffic: { assignment: { relative_gap: number; baseline_relative_gap: number } };
    };
    const impactOf = async (id: string) => {
      const t = performance.now();
      const res = await twin.app.request(`/api/scenarios/${id}/impact?wait=60`, { headers: auth });
      if (res.status !== 200) throw new Error(`impact answered ${res.status}: ${await res.text()}`);
      return { ms: performance.now() - t, body: (await res.json()) as Impact };
    };

    console.log(
      `impact bench on ${backend.description}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on this machine`,
    );
    // The first request builds the baseline in the worker.
    const first = await impactOf(await scenario('first'));
    const summary = await twin.impacts.baseline();
    console.log(
      `first impact (cold, baseline built in the worker): ${fmt(first.ms, 0)} ms; baseline steps (ms): ${JSON.stringify(summary.timings)}`,
    );
    console.log(
      `baseline: relative gap ${summary.gap.toExponential(2)} after ${summary.iterations} iterations; calibration ${summary.calibration.status}` +
        (summary.calibration.geh_lt_5_share !== null
          ? ` (GEH < 5 on ${fmt(100 * summary.calibration.geh_lt_5_share, 1)} % of ${summary.calibration.sites} sites)`
          : ''),
    );

    const warm: number[] = [];
    const gaps: number[] = [];
    const byModel: Record<string, number[]> = {};
    for (let i = 0; i < nWarm; i++) {
      const r = await impactOf(await scenario(`warm ${i}`));
      warm.push(r.ms);
      gaps.push(r.body.traffic.assignment.relative_gap);
      for (const [k, v] of Object.entries(r.body.timings)) (byModel[k] ??= []).push(v);
    }
    warm.sort((a, b) => a - b);

    const cold: number[] = [];
    for (let i = 0; i < nCold; i++) {
      const id = await scenario(`cold ${i}`);
      const service = new ImpactService(backend.db, { ...config.impact, queueSize: 64 });
      try {
        const t = performance.now();
        await service.result(id, 120_000);
        cold.push(performance.now() - t);
      } finally {
        await service.close();
      }
    }
    cold.sort((a, b) => a - b);

    // Tiles, idle and while 20 impacts are requested at once, in alternating rounds.
    const { rows: ext } = await sql<{ w: number; s: number; e: number; n: number }>`
      SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
      FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 3857), 4326) AS b FROM road_nodes) q`.execute(
      backend.db,
    );
    const { w, s, e, n } = ext[0]!;
    const tilePaths: string[] = [];
    const a = lonLatToTile(Number(w), Number(n), 15);
    const b = lonLatToTile(Number(e), Number(s), 15);
    for (let x = a.x; x <= b.x; x++)
      for (let y = a.y; y <= b.y; y++) tilePaths.push(`/tiles/roads,buildings/15/${x}/${y}.mvt`);
    let refused = 0;
    let tilesLoaded = 0;
    /** Tile p95 over loads of the tile list until `seconds` have passed and `more()` is false. */
    const tileP95 = async (seconds: number, more: () => boolean = () => false) => {
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until || more()) {
        latencies.push(...(await httpLoad(origin, tilePaths, 4)).latencies);
      }
      tilesLoaded += latencies.length;
      latencies.sort((x, y) => x - y);
      return percentile(latencies, 95);
    };
    const idleSide = {
      label: 'tile p95 idle (baseline)',
      trial: async (_round: number, seconds: number): Promise<Trial> => ({
        rate: await tileP95(seconds),
      }),
    };
    const busySide = {
      label: 'tile p95 while 20 impacts are requested at once',
      trial: async (round: number, seconds: number): Promise<Trial> => {
        const ids = await Promise.all(
          Array.from({ length: 20 }, (_, k) => scenario(`load ${round}.${k}`)),
        );
        const statuses = await Promise.all(
          ids.map((id) =>
            fetch(`${origin}/api/scenarios/${id}/impact`, { headers: auth }).then((r) => r.status),
          ),
        );
        refused += statuses.filter((st) => st === 503).length;
        let pending = true;
        const done = Promise.all(
          ids.map((id) =>
            fetch(`${origin}/api/scenarios/${id}/impact?wait=60`, { headers: auth }).then((r) =>
              r.text(),
            ),
          ),
        ).finally(() => (pending = false));
        // At least the round's seconds, and as long as any of the 20 is still being computed.
        const p95 = await tileP95(seconds, () => pending);
        await done;
        return { rate: p95 };
      },
    };
    console.log('\n· tile p95 idle vs while 20 impacts are requested at once');
    const tiles = await alternate(idleSide, busySide, rounds, console.log, ' ms');

    const row = (name: string, value: string, goal: string) =>
      `${name.padEnd(62)} ${value.padStart(16)}   ${goal}`;
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    console.log('');
    console.log(
      row(
        `impact after one edit, baseline warm: p50 / p95 (${nWarm} towers), ms`,
        `${fmt(percentile(warm, 50), 0)} / ${fmt(percentile(warm, 95), 0)}`,
        'goal p95 ≤ 500',
      ),
    );
    console.log(
      row(
        `impact after one edit, cold (baseline included): median / max (${nCold}), ms`,
        `${fmt(percentile(cold, 50), 0)} / ${fmt(cold.at(-1)!, 0)}`,
        'goal ≤ 5,000',
      ),
    );
    console.log(
      row(
        'relative gap reached: scenarios (largest) / baseline',
        `${Math.max(...gaps).toExponential(1)} / ${summary.gap.toExponential(1)}`,
        'goal ≤ 1e-4',
      ),
    );
    console.log(
      row(
        'time by model, warm, mean ms',
        Object.entries(byModel)
          .map(([k, v]) => `${k.replace('_ms', '')} ${fmt(mean(v), 0)}`)
          .join(' · '),
        '',
      ),
    );
    printComparison(
      'Tile p95 (roads + buildings z15, cache off, 4 clients) while 20 impacts are requested at once ÷ idle:',
      tiles,
      'goal ≤ 2.0',
      ' ms',
    );
    console.log(`    ${tilesLoaded} tiles loaded, ${refused} impacts refused (queue full)`);
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    for (const id of created)
      await twin.app.request(`/api/scenarios/${id}`, { method: 'DELETE', headers: auth });
    server.close();
    await twin.impacts.close();
    await backend.close();
  }
}
