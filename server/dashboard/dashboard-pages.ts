import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import { WEB_DIST_DIR } from '../static-routes';
import { findReadableScenarioRef, parseScenarioId } from '../scenarios/scenario-store';
import { principalOf, viewerOf } from '../auth/principal';
import { KPI_KEYS, SERIES_KEYS } from './dashboard-figures';

/** The embed's answer for a scenario that does not exist or that the caller may not see. */
const NOT_PUBLIC =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>City twin</title>' +
  '<p style="font: 15px system-ui, sans-serif; margin: 24px">There is no such scenario, or it is not public.</p></html>';

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
 * Unknown keys are 404 before any page is sent, and so is a scenario the caller may not read
 * (issue #9: a draft is its owner's; anonymous visitors see published scenarios only).
 */
export function dashboardPages({
  db,
  root = WEB_DIST_DIR,
}: {
  db: Kysely<Database>;
  root?: string;
}) {
  const page = (file: string) => async (c: Context) => {
    const path = join(root, file);
    if (!existsSync(path)) {
      return c.html(
        '<!doctype html><title>City twin</title><p>The web app has not been built: run <code>npm run build:web</code>.</p>',
        503,
      );
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(await readFile(path, 'utf8'));
  };
  const known =
    (keys: readonly string[], param: string) => async (c: Context, next: () => Promise<void>) => {
      if (!keys.includes(c.req.param(param) ?? ''))
        return c.json(
          { error: { code: 'not_found', message: `unknown ${param}; one of ${keys.join(', ')}` } },
          404,
        );
      await next();
    };
  const dashboard = page('dashboard.html');
  const embed = page('embed.html');
  return new Hono()
    .get('/dashboard', dashboard)
    .get('/embed/map', embed)
    .get('/embed/kpi/:key', known(KPI_KEYS, 'key'), embed)
    .get('/embed/chart/:key', known(SERIES_KEYS, 'key'), embed)
    .get(
      '/embed/scenario/:id',
      async (c, next) => {
        const id = c.req.param('id') ?? '';
        const visible =
          isScenarioId(id) &&
          (await findReadableScenarioRef(db, id.toLowerCase(), viewerOf(principalOf(c))));
        if (!visible) {
          c.header('Cache-Control', 'no-cache');
          return c.html(NOT_PUBLIC, 404);
        }
        // A draft's page (for its owner and those it is shared with) stays out of shared caches.
        if (!visible.published) c.header('Vary', 'Cookie, Authorization');
        await next();
      },
      embed,
    );
}
