import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/** The API server `npm run dev` starts next to Vite (see web/dev.ts). */
const api = process.env.TWIN_API_URL ?? 'http://127.0.0.1:8080';

/** Routes the Hono server answers; everything else is the app, served by Vite in dev. */
const API_PATHS = ['/tiles', '/api', '/styles', '/healthz', '/metrics'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // deck.gl + MapLibre are large by nature; one chunk each keeps the cache simple.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'deckgl', test: /node_modules[\\/]@(deck\.gl|luma\.gl|loaders\.gl|math\.gl|probe\.gl)/ },
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
