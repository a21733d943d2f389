import { describe } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuild } from '../../web/ensure-web-build';
import { ARTIFACTS_DIR } from './paths';
import { createTestTwin, type TestTwin } from './twin';
import { ensureUser, TEST_PASSWORD } from './auth';
import type { AccountRole } from '../../server/auth/roles';

/** The Chromium the browser tests drive; they are skipped, saying why, when it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/**
 * A browser suite: run in Chromium, or skipped with the reason in its title and on the console
 * when there is none (`npm test` on a machine without it says so instead of passing silently).
 */
export function describeInChromium(title: string, body: () => void): void {
  if (!HAS_CHROMIUM) {
    console.warn(`\n[skipped] ${title}: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH).\n`);
  }
  describe.skipIf(!HAS_CHROMIUM)(
    HAS_CHROMIUM ? title : `${title} (no Chromium at ${CHROMIUM_PATH}: skipped)`,
    body,
  );
}

/** Headless Chromium with WebGL through SwiftShader, no network beyond what the page asks. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh Chromium profile (its own `--user-data-dir`), removed on close. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'twin-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  // tsx-compiled functions passed to page.evaluate may reference esbuild's __name helper.
  await context.addInitScript('globalThis.__name = (f) => f');
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Serves a fetch handler on 127.0.0.1 at a free port. */
export async function serveApp(fetch: (req: Request) => Response | Promise<Response>) {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser test's world: the built map, served by a twin on a private embedded database. */
export interface MapSession {
  twin: TestTwin;
  server: Awaited<ReturnType<typeof serveApp>>;
  browser: Browser;
  /**
   * Signs the browser in as a user with `role` (issue #9): user `browser-<role>` by default,
   * created when missing; pages opened afterwards carry its session cookie.
   */
  signIn(role: AccountRole, name?: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds the web app if stale, starts a twin (with `env`) on a free port and launches Chromium. */
export async function startMapSession(env: Record<string, string> = {}): Promise<MapSession> {
  await ensureWebBuild(() => {});
  const twin = await createTestTwin('pglite', env);
  const server = await serveApp(twin.app.fetch);
  const browser = await launchChromium();
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    twin,
    server,
    browser,
    signIn: async (role, name = `browser-${role}`) => {
      await ensureUser(twin.backend.db, name, role);
      // The context's request client shares the browser's cookie store.
      const res = await browser.context.request.post(`${server.origin}/api/session`, {
        data: { username: name, password: TEST_PASSWORD },
      });
      if (!res.ok()) throw new Error(`browser sign-in answered ${res.status()}`);
    },
    close: async () => {
      await browser.close();
      await server.close();
      await twin.dispose();
    },
  };
}

/** Everything a page did that a test may assert on. */
export interface PageLog {
  requests: string[];
  pageErrors: string[];
  failed: { url: string; error: string }[];
  badResponses: { url: string; status: number }[];
}

export function recordPage(page: Page): PageLog {
  const log: PageLog = { requests: [], pageErrors: [], failed: [], badResponses: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  page.on('pageerror', (e) => log.pageErrors.push(String(e.stack ?? e.message)));
  page.on('requestfailed', (r) =>
    log.failed.push({ url: r.url(), error: r.failure()?.errorText ?? '' }),
  );
  page.on('response', (r) => {
    if (r.status() >= 400) log.badResponses.push({ url: r.url(), status: r.status() });
  });
  return log;
}

/** What the page exposes with `?debug` (web/src/lib/debug-hooks.ts), as tests use it. */
export interface TwinHandle {
  map: {
    getCenter(): { lng: number; lat: number };
    getZoom(): number;
    getPitch(): number;
    getBearing(): number;
    project(lngLat: [number, number]): { x: number; y: number };
    jumpTo(camera: {
      center: [number, number];
      zoom: number;
      bearing: number;
      pitch: number;
    }): void;
  };
  settings: { visibleIds: string[] };
  /** Live road speeds (web/src/lib/live-sensors.svelte.ts). */
  live: { version: number; redrawPending: boolean; roadRatio(id: number): number | undefined };
  /** Maintenance-risk scores (web/src/lib/maintenance-risk.svelte.ts). */
  risk: { version: number; risk(type: string, id: number): number | undefined };
  whenIdle(timeoutMs?: number): Promise<void>;
}

/** The browser globals the in-page snippets use (the root tsconfig has no DOM library). */
export interface PageGlobals {
  __twin?: TwinHandle;
  location: { hash: string };
  createImageBitmap(blob: Blob): Promise<{ width: number; height: number }>;
  OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    };
  };
}

/** `globalThis` inside `page.evaluate`, typed. */
export const inPage = () => globalThis as unknown as PageGlobals;

/** Opens the map (with its test hooks) and waits until tiles and labels are drawn. */
export async function openMap(page: Page, origin: string, hash = ''): Promise<void> {
  await page.goto(`${origin}/?debug${hash}`);
  await page.waitForFunction(() => Boolean((globalThis as unknown as PageGlobals).__twin), null, {
    timeout: 60_000,
  });
  await waitForMap(page);
}

export async function waitForMap(page: Page): Promise<void> {
  await page.evaluate(() => (globalThis as unknown as PageGlobals).__twin!.whenIdle(120_000));
}

/**
 * Waits until `predicate(arg)` holds in the page — the app's own state, read from
 * `globalThis.__twin` (a feed's version, a ratio that arrived) — then until the map has drawn
 * it. No fixed delays.
 */
export async function waitForTwin<A extends string | number | boolean | null | object>(
  page: Page,
  predicate: (arg: A) => boolean,
  arg: A,
  timeoutMs = 120_000,
): Promise<void> {
  await page.waitForFunction(predicate as (arg: unknown) => boolean, arg, { timeout: timeoutMs });
  await waitForMap(page);
}

/**
 * Centres the map straight down on a WGS84 point at `zoom`, waits for it to draw, and returns
 * a 60 × 60 px screenshot clip around the point.
 */
export async function centreOn(
  page: Page,
  at: { lon: number; lat: number },
  zoom: number,
): Promise<{ x: number; y: number; width: number; height: number }> {
  await page.evaluate(
    ({ lon, lat, zoom }) => {
      (globalThis as unknown as PageGlobals).__twin!.map.jumpTo({
        center: [lon, lat],
        zoom,
        bearing: 0,
        pitch: 0,
      });
    },
    { lon: at.lon, lat: at.lat, zoom },
  );
  await waitForMap(page);
  const p = await page.evaluate(
    ({ lon, lat }) => (globalThis as unknown as PageGlobals).__twin!.map.project([lon, lat]),
    { lon: at.lon, lat: at.lat },
  );
  return { x: Math.round(p.x) - 30, y: Math.round(p.y) - 30, width: 60, height: 60 };
}

/**
 * Counts pixels of a screenshot region whose colour is one of `palette` as lit in 3D: a pixel
 * p counts when p ≈ k·c for a palette colour c and a shading factor k in [0.45, 1.25].
 * Decoded in the page itself (no PNG library needed).
 */
export async function countPalettePixels(
  page: Page,
  palette: [number, number, number][],
  clip: { x: number; y: number; width: number; height: number },
): Promise<{ matching: number; total: number }> {
  const png = (await page.screenshot({ clip })).toString('base64');
  return page.evaluate(
    async ({ png, palette }) => {
      const g = globalThis as unknown as PageGlobals;
      const bytes = Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      let matching = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i]!,
          g = data[i + 1]!,
          b = data[i + 2]!;
        for (const [cr, cg, cb] of palette) {
          const k = (r * cr + g * cg + b * cb) / (cr * cr + cg * cg + cb * cb);
          if (k < 0.45 || k > 1.25) continue;
          const dr = r - k * cr,
            dg = g - k * cg,
            db = b - k * cb;
          if (dr * dr + dg * dg + db * db < 18 * 18) {
            matching++;
            break;
          }
        }
      }
      return { matching, total: data.length / 4 };
    },
    { png, palette },
  );
}
