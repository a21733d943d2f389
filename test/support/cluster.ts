import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Twin } from '../../server/app';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Debian's nginx is installed (the scale-out suites skip without it). */
export const HAS_NGINX = spawnSync('nginx', ['-v']).status === 0;

/**
 * deploy/nginx.conf as checked in, with its listen port, upstream servers and scratch paths
 * replaced: everything else (caching, revalidation, SSE, retries) is exactly what ships.
 */
export function nginxConfig(options: { port: number; upstreams: string[]; dir: string }): string {
  let conf = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8');
  conf = conf.replace(/\/tmp\/twin-nginx(?:(\.pid)|-(\w+))?/g, (_m, pid?: string, sub?: string) =>
    pid ? join(options.dir, 'nginx.pid') : sub ? join(options.dir, sub) : options.dir,
  );
  conf = conf.replace(/listen 8080;/, `listen 127.0.0.1:${options.port};`);
  const servers = options.upstreams
    .map((u) => `    server ${u} max_fails=2 fail_timeout=5s;`)
    .join('\n');
  conf = conf.replace(/(upstream twin \{\n(?:\s*#.*\n)*)(?:\s*server .*\n)+/, `$1${servers}\n`);
  if (!conf.includes(options.upstreams[0]!))
    throw new Error('deploy/nginx.conf: upstream block not found');
  // As root, nginx's workers drop to `nobody`; the scratch directory must be theirs to use.
  if (process.getuid?.() === 0) conf = `user root;\n${conf}`;
  return conf;
}

/** `nginx -t` on a config: its status and output. */
export function nginxTest(file: string, prefix: string): { ok: boolean; output: string } {
  const r = spawnSync('nginx', ['-t', '-p', prefix, '-c', file, '-e', 'stderr'], {
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export interface Nginx {
  url: string;
  dir: string;
  /** Rewrites the upstream list and reloads (a graceful reload: no request is dropped). */
  setUpstreams(upstreams: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground on `port` with deploy/nginx.conf, in a scratch directory. */
export async function startNginx(port: number, upstreams: string[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'twin-nginx-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, nginxConfig({ port, upstreams, dir }));
  const checked = nginxTest(file, dir);
  if (!checked.ok) throw new Error(`nginx -t failed:\n${checked.output}`);
  const child = spawn('nginx', ['-p', dir, '-c', file, '-e', 'stderr', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killOnExit(child);
  await waitForPort(port, () => (child.exitCode !== null ? `nginx exited: ${stderr}` : undefined));
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    setUpstreams: async (next) => {
      writeFileSync(file, nginxConfig({ port, upstreams: next, dir }));
      const again = nginxTest(file, dir);
      if (!again.ok) throw new Error(`nginx -t failed:\n${again.output}`);
      const r = spawnSync('nginx', ['-p', dir, '-c', file, '-e', 'stderr', '-s', 'reload'], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`nginx reload failed: ${r.stderr}`);
      // Old workers finish their requests; new ones start on the new list within moments.
      await new Promise((r2) => setTimeout(r2, 300));
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGQUIT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
export async function waitForPort(
  port: number,
  failed: () => string | undefined = () => undefined,
  timeoutMs = 30_000,
) {
  const start = Date.now();
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    const open = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
      s.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An in-process twin served over HTTP on `port` (nginx needs a real socket). */
export async function serveTwin(
  twin: Twin,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: twin.app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

const children = new Set<ChildProcess>();
let hooked = false;
/** Children this test process started die with it, whatever ends it. */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
}

export type { Server };
