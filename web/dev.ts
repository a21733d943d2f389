import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `npm run dev`: the API server (restarting on change) plus the Vite dev server with hot
 * reload, which proxies /tiles, /api, /styles and /healthz to it. Open the Vite URL.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const apiPort = process.env.PORT ?? '8080';
const webPort = Number(process.env.WEB_PORT ?? 5173);
process.env.TWIN_API_URL = `http://127.0.0.1:${apiPort}`;

const api = spawn(
  process.execPath,
  [fileURLToPath(import.meta.resolve('tsx/cli')), 'watch', 'server/main.ts'],
  {
    cwd: ROOT,
    env: { ...process.env, PORT: apiPort },
    stdio: 'inherit',
  },
);

const { createServer } = await import('vite');
const vite = await createServer({
  configFile: fileURLToPath(new URL('vite.config.ts', import.meta.url)),
  server: { port: webPort },
});
await vite.listen();
vite.printUrls();
console.log(`API server: http://127.0.0.1:${apiPort} (proxied by Vite)`);

const stop = () => {
  api.kill('SIGTERM');
  void vite.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => {
  if (code !== null && code !== 0) console.error(`API server exited with ${code}`);
});
