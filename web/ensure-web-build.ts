import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the web app (`vite build` → dist/web) when the build is missing or older than its
 * sources, so `npm start` and the browser tests always serve the current app. Run by
 * `prestart`; imported by the browser tests and the map benchmark.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'dist/web/index.html');
/** What the bundle is made of (node_modules changes come with a package-lock change). */
const SOURCES = [
  'web/src',
  'web/index.html',
  'web/dashboard.html',
  'web/embed.html',
  'web/vite.config.ts',
  'common',
  'package-lock.json',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when dist/web is missing or any source is newer than it. */
export function webBuildIsStale(): boolean {
  if (!existsSync(OUTPUT)) return true;
  const built = statSync(OUTPUT).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

/** Runs `vite build` if the build is stale; returns whether it built. */
export async function ensureWebBuild(
  log: (message: string) => void = console.log,
): Promise<boolean> {
  if (!webBuildIsStale()) return false;
  log('building the web app (vite build → dist/web)…');
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureWebBuild();
}
