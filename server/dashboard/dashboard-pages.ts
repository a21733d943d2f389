import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { WEB_DIST_DIR } from '../static-routes';
import { parseScenarioId } from '../scenarios/scenario-store';
import { KPI_KEYS, SERIES_KEYS } from './dashboard-figures';

/** A scenario id as the scenario API takes it (a UUID), else false. */
const isScenarioId = (raw: string) => {
  try {
    parseScenarioId(raw);
    return true;
  } catch {
    return false;
  }
};

/**
 * The public pages (issue #9 item 5), each its own Vite entry in dist/web so none carries the
 * editor: `/dashboard` (dashboard.html) and the chrome-less embeds `/embed/kpi/{key}`,
 * `/embed/chart/{key}`, `/embed/map`, `/embed/scenario/{id}` (embed.html, which reads its path).
 * Unknown keys are 404 before any page is sent.
 */
export function dashboardPages({ root = WEB_DIST_DIR }: { root?: string } = {}) {
  const page = (file: string) => async (c: Context) => {
    const path = join(root, file);
    if (!existsSync(path)) {
      return c.html('<!doctype html><title>City twin</title><p>The web app has not been built: run <code>npm run build:web</code>.</p>', 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(await readFile(path, 'utf8'));
  };
  const known = (keys: readonly string[], param: string) => async (c: Context, next: () => Promise<void>) => {
    if (!keys.includes(c.req.param(param) ?? '')) return c.json({ error: { code: 'not_found', message: `unknown ${param}; one of ${keys.join(', ')}` } }, 404);
    await next();
  };
  const dashboard = page('dashboard.html');
  const embed = page('embed.html');
  return new Hono()
    .get('/dashboard', dashboard)
    .get('/embed/map', embed)
    .get('/embed/kpi/:key', known(KPI_KEYS, 'key'), embed)
    .get('/embed/chart/:key', known(SERIES_KEYS, 'key'), embed)
    .get('/embed/scenario/:id', async (c, next) => {
      if (!isScenarioId(c.req.param('id') ?? '')) return c.json({ error: { code: 'not_found', message: 'no such scenario' } }, 404);
      await next();
    }, embed);
}
