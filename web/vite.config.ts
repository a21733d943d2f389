import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** The API server `npm run dev` starts next to Vite (see web/dev.ts). */
const api = process.env.TWIN_API_URL ?? 'http://127.0.0.1:8080';

/** Routes the Hono server answers; everything else is the app, served by Vite in dev. */
const API_PATHS = ['/tiles', '/api', '/styles', '/healthz', '/metrics'];

/**
 * One HTML entry per page, so each page loads only its own code: the map and editor (`index`),
 * the public dashboard (`dashboard`: MapLibre and uPlot, no deck.gl, no editor) and the embeds
 * (`embed`). The server maps `/dashboard` and `/embed/*` to the last two (server/dashboard/).
 */
const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const PAGES = {
  index: page('index.html'),
  dashboard: page('dashboard.html'),
  embed: page('embed.html'),
};

/** In `npm run dev`, the page routes the server answers in production (server/dashboard/dashboard-pages.ts). */
const pageRoutes: Plugin = {
  name: 'twin-page-routes',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      const path = (req.url ?? '').split('?')[0]!;
      if (path === '/dashboard') req.url = '/dashboard.html';
      else if (/^\/embed\/(map|(kpi|chart|scenario)\/[^/]+)$/.test(path)) req.url = '/embed.html';
      next();
    });
  },
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [svelte(), pageRoutes],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // deck.gl + MapLibre are large by nature; one chunk each keeps the cache simple.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      input: PAGES,
      output: {
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            {
              name: 'deckgl',
              test: /node_modules[\\/]@(deck\.gl|luma\.gl|loaders\.gl|math\.gl|probe\.gl)/,
            },
          ],
        },
      },
    },
  },
  server: {
    // Keep the Host header (no changeOrigin) so URLs the API builds point back at Vite.
    proxy: Object.fromEntries(API_PATHS.map((p) => [p, { target: api }])),
  },
});
