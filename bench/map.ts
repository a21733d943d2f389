import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import {
  CHROMIUM_PATH,
  HAS_CHROMIUM,
  launchChromium,
  openMap,
  serveApp,
  type PageGlobals,
} from '../test/support/browser';
import { ensureWebBuild } from '../web/ensure-web-build';
import { fmt, percentile } from './load';
import { ensureUser, TEST_PASSWORD } from '../test/support/auth';
import { benchOption } from './rounds';
import { BUILT_IN_LAYERS } from '../common/layer-catalog';

const BENCH_USER = 'bench-map';

/**
 * `npm run bench -- map [--width 1280] [--height 800]`
 *
 * Loads the map in headless Chromium (WebGL through SwiftShader here: absolute times say
 * little, ratios do) and flies a scripted camera path over the demo city: citywide 3D view →
 * down to street level in the centre → a turn → along the river → back out. It reports the
 * median and p95 frame time with every layer on, divided by the same with only the basemap
 * (goal ≤ 2.0), and the tile bytes each run transferred. Each run starts in a fresh browser
 * profile (cold HTTP cache) after one warm-up flight has filled the server's tile cache.
 */

/** Every layer of the panel: the labels, then the catalogue in panel order (as the web lists them). */
const ALL_LAYERS = [
  'labels',
  ...[...BUILT_IN_LAYERS].sort((a, b) => a.panel.order - b.panel.order).map((e) => e.name),
];
const BASEMAP_ONLY = ['land_use'];

interface Leg {
  /** Where the camera goes, relative to the home view's centre (degrees) and absolute otherwise. */
  dLon: number;
  dLat: number;
  zoom: number;
  bearing: number;
  pitch: number;
  ms: number;
}

const FLIGHT: Leg[] = [
  { dLon: 0.012, dLat: -0.001, zoom: 15.6, bearing: 10, pitch: 60, ms: 4000 },
  { dLon: 0.012, dLat: -0.001, zoom: 15.8, bearing: 100, pitch: 60, ms: 3000 },
  { dLon: -0.012, dLat: 0.0, zoom: 15.4, bearing: 80, pitch: 55, ms: 3000 },
  { dLon: 0, dLat: 0, zoom: 12.5, bearing: -18, pitch: 52, ms: 4000 },
];

interface RunResult {
  frames: number[];
  tileRequests: number;
  tileBytes: number;
}

/** Flies the path in the page and returns every frame interval (ms) during the flight. */
async function fly(page: Page, legs: Leg[]): Promise<number[]> {
  return page.evaluate(async (legs) => {
    const g = globalThis as unknown as PageGlobals & {
      requestAnimationFrame(cb: (t: number) => void): number;
    };
    const map = g.__twin!.map as unknown as {
      getCenter(): { lng: number; lat: number };
      easeTo(o: object): void;
      once(event: string, cb: () => void): void;
    };
    const home = map.getCenter();
    const frames: number[] = [];
    let last = -1;
    let flying = true;
    const tick = (t: number) => {
      if (last >= 0) frames.push(t - last);
      last = t;
      if (flying) g.requestAnimationFrame(tick);
    };
    g.requestAnimationFrame(tick);
    for (const leg of legs) {
      await new Promise<void>((resolve) => {
        map.once('moveend', () => resolve());
        map.easeTo({
          center: [home.lng + leg.dLon, home.lat + leg.dLat],
          zoom: leg.zoom,
          bearing: leg.bearing,
          pitch: leg.pitch,
          duration: leg.ms,
          easing: (x: number) => x * x * (3 - 2 * x),
          essential: true,
        });
      });
    }
    flying = false;
    return frames;
  }, legs);
}

async function measure(
  origin: string,
  layers: string[],
  size: { width: number; height: number },
): Promise<RunResult> {
  const browser = await launchChromium(size);
  try {
    // Water and power are staff layers (issue #9): the flight runs signed in as a planner.
    const signIn = await browser.context.request.post(`${origin}/api/session`, {
      data: { username: BENCH_USER, password: TEST_PASSWORD },
    });
    if (!signIn.ok()) throw new Error(`bench sign-in answered ${signIn.status()}`);
    const page = await browser.context.newPage();
    let tileRequests = 0;
    let tileBytes = 0;
    const pending: Promise<void>[] = [];
    let counting = true;
    page.on('requestfinished', (req: Request) => {
      if (
        !counting ||
        !new URL(req.url()).pathname.startsWith('/tiles/') ||
        !req.url().endsWith('.mvt')
      )
        return;
      tileRequests++;
      pending.push(
        req.sizes().then(
          (s) => void (tileBytes += s.responseBodySize),
          () => {},
        ),
      );
    });
    await openMap(page, origin, `#layers=${layers.join(',')}`);
    const frames = await fly(page, FLIGHT);
    counting = false;
    await Promise.all(pending);
    return { frames: frames.sort((a, b) => a - b), tileRequests, tileBytes };
  } finally {
    await browser.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => benchOption(args, name, fallback);
  const size = { width: Number(opt('width', '1280')), height: Number(opt('height', '800')) };
  if (!HAS_CHROMIUM) throw new Error(`no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`);

  await ensureWebBuild();
  // Its own embedded database (unless DATABASE_URL is set), apart from `npm start`'s.
  const dataDir = fileURLToPath(new URL('../.test-data/bench-map', import.meta.url));
  const config = loadConfig({ TWIN_DATA_DIR: dataDir, ...process.env, LOG_LEVEL: 'warn' });
  const log = createLogger('warn');
  const backend = await prepareDatabase(config, log);
  const { app } = await createApp({ backend, config, log });
  await ensureUser(backend.db, BENCH_USER, 'planner');
  const server = await serveApp(app.fetch);
  try {
    console.log(
      `map bench: ${size.width}×${size.height}, headless Chromium (${CHROMIUM_PATH}), ` +
        `${FLIGHT.length}-leg flight of ${FLIGHT.reduce((s, l) => s + l.ms, 0) / 1000} s`,
    );
    await measure(server.origin, ALL_LAYERS, size); // warm the server's tile cache
    const base = await measure(server.origin, BASEMAP_ONLY, size);
    const all = await measure(server.origin, ALL_LAYERS, size);

    const row = (name: string, r: RunResult) =>
      `${name.padEnd(26)} ${String(r.frames.length).padStart(7)} ${fmt(percentile(r.frames, 50)).padStart(10)} ` +
      `${fmt(percentile(r.frames, 95)).padStart(9)} ${String(r.tileRequests).padStart(9)} ${fmt(r.tileBytes / 1024, 0).padStart(11)}`;
    console.log(
      `\n${'run'.padEnd(26)} ${'frames'.padStart(7)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(9)} ${'tiles'.padStart(9)} ${'tile KiB'.padStart(11)}`,
    );
    console.log(row('basemap only', base));
    console.log(row(`all ${ALL_LAYERS.length} layers`, all));
    const median = percentile(all.frames, 50) / percentile(base.frames, 50);
    const p95 = percentile(all.frames, 95) / percentile(base.frames, 95);
    console.log(
      `${'all ÷ basemap'.padEnd(26)} ${''.padStart(7)} ${`${fmt(median, 2)}×`.padStart(10)} ${`${fmt(p95, 2)}×`.padStart(9)}` +
        `   goal ≤ 2.0×: ${median <= 2 && p95 <= 2 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await server.close();
    await backend.close();
  }
}
