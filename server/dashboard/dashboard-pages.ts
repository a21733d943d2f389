import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import { WEB_DIST_DIR } from '../static-routes';
import { z } from 'zod';
import { findReadableScenarioRef } from '../scenarios/scenario-store';
import { scenarioId } from '../params';
import { valid } from '../validate';
import { principalOf, viewerOf } from '../auth/principal';
import { KPI_KEYS, SERIES_KEYS } from './dashboard-figures';

/** The embed's answer for a scenario that does not exist or that the caller may not see. */
const NOT_PUBLIC =
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>City twin</title>' +
  '<p style="font: 15px system-ui, sans-serif; margin: 24px">There is no such scenario, or it is not public.</p></html>';

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
  /** `/{key}` one of `keys`, else 404 (before any page is sent). */
  const known = (keys: readonly [string, ...string[]]) =>
    valid('param', z.object({ key: z.enum(keys) }), {
      notFound: `unknown key; one of ${keys.join(', ')}`,
    });
  const dashboard = page('dashboard.html');
  const embed = page('embed.html');
  return new Hono()
    .get('/dashboard', dashboard)
    .get('/embed/map', embed)
    .get('/embed/kpi/:key', known(KPI_KEYS), embed)
    .get('/embed/chart/:key', known(SERIES_KEYS), embed)
    .get(
      '/embed/scenario/:id',
      async (c, next) => {
        // A page, not the API: an id that is no scenario's answers the same HTML 404.
        const id = scenarioId.safeParse(c.req.param('id'));
        const visible =
          id.success && (await findReadableScenarioRef(db, id.data, viewerOf(principalOf(c))));
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
