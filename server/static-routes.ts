import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { serveStatic } from '@hono/node-server/serve-static';

/** Where `vite build` writes the web app (see web/vite.config.ts). */
export const WEB_DIST_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

const MISSING_BUILD = `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>City twin: web app not built</title>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>The web app has not been built</h1>
<p>The API is running, but <code>dist/web</code> is missing. Run <code>npm start</code>
(it builds the app first) or <code>npm run build:web</code>, then reload this page.</p>
</body></html>`;

/**
 * The built web app (`dist/web`), mounted last so API routes win. Hashed assets are cached for
 * a year; `index.html` is revalidated. Answers 503 with an explanation if there is no build.
 */
export function staticRoutes({ root = WEB_DIST_DIR }: { root?: string } = {}) {
  let files: MiddlewareHandler | undefined;
  const serve: MiddlewareHandler = async function serveWebApp(c, next) {
    // Created on first use: the build may appear after the server started (dev, tests).
    files ??= existsSync(root) ? serveStatic({ root }) : undefined;
    if (!files) return next();
    return files(c, next);
  };

  return new Hono()
    .use('*', compress())
    .use('/assets/*', async function immutableAssets(c, next) {
      await next();
      if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
    })
    .get('/', async (c, next) => {
      if (!existsSync(join(root, 'index.html'))) return c.html(MISSING_BUILD, 503);
      c.header('Cache-Control', 'no-cache');
      return serve(c, next);
    })
    .get('*', serve);
}
