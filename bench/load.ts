import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  bytes: number;
  /** Latencies in milliseconds, sorted. */
  latencies: number[];
  statuses: Record<number, number>;
}

const GZIP = { 'Accept-Encoding': 'gzip' };

/**
 * Runs the tasks `next` hands out (until it returns undefined) on `concurrency` parallel lanes,
 * each lane one task at a time; returns each task's latency (ms, sorted) and the seconds taken.
 */
async function inLanes(
  concurrency: number,
  next: () => (() => Promise<unknown>) | undefined,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let task = next(); task; task = next()) {
        const t0 = performance.now();
        await task();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** GETs the paths `next` hands out from `concurrency` keep-alive connections. */
async function httpLanes(
  origin: string,
  concurrency: number,
  headers: Record<string, string>,
  next: () => string | undefined,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(origin);
  const statuses: Record<number, number> = {};
  let bytes = 0;
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const { latencies, seconds } = await inLanes(concurrency, () => {
    const path = next();
    return path === undefined ? undefined : () => get(path);
  });
  agent.destroy();
  const requests = latencies.length;
  return { requests, seconds, perSecond: requests / seconds, bytes, latencies, statuses };
}

/**
 * Sends GET requests for `paths` (each once, in order) from `concurrency` keep-alive
 * connections, the way a map client fetches tiles. Bounded by the list: it always stops.
 */
export async function httpLoad(
  origin: string,
  paths: string[],
  concurrency: number,
  headers: Record<string, string> = GZIP,
): Promise<LoadResult> {
  let next = 0;
  return httpLanes(origin, concurrency, headers, () => paths[next++]);
}

/**
 * Like `httpLoad`, but for a time: cycles through `paths` from `offset` on `concurrency`
 * keep-alive connections, starting new requests until `seconds` have passed, then waits for
 * those in flight. The rate counts completed requests over the whole time.
 */
export async function httpLoadFor(
  origin: string,
  paths: string[],
  concurrency: number,
  seconds: number,
  { offset = 0, headers = GZIP }: { offset?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  let next = offset;
  const until = performance.now() + seconds * 1000;
  return httpLanes(origin, concurrency, headers, () =>
    performance.now() < until ? paths[next++ % paths.length] : undefined,
  );
}

/**
 * Runs `task(i)` for i = offset, offset + 1, … with at most `concurrency` in flight, starting
 * new ones until `seconds` have passed; returns completed tasks per second and latencies.
 */
export async function concurrentFor(
  task: (i: number) => Promise<unknown>,
  concurrency: number,
  seconds: number,
  offset = 0,
): Promise<{ perSecond: number; latencies: number[]; count: number }> {
  let next = offset;
  const until = performance.now() + seconds * 1000;
  const run = await inLanes(concurrency, () => {
    if (performance.now() >= until) return undefined;
    const i = next++;
    return () => task(i);
  });
  const count = run.latencies.length;
  return { perSecond: count / run.seconds, latencies: run.latencies, count };
}

/** Runs async `tasks` with at most `concurrency` in flight; returns tasks per second. */
export async function concurrentRate(
  tasks: (() => Promise<unknown>)[],
  concurrency: number,
): Promise<{ perSecond: number; latencies: number[] }> {
  let next = 0;
  const run = await inLanes(concurrency, () => tasks[next++]);
  return { perSecond: tasks.length / run.seconds, latencies: run.latencies };
}

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** What every bench's twin process is given: a port of its own on loopback, info logs, no simulator. */
export const BENCH_TWIN_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  TWIN_SIMULATOR: 'off',
};

/** Starts a Node script in a child process and resolves with its origin once it listens. */
export function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp = /listening on (http:\/\/[^"\s]+)/,
): Promise<{ child: ChildProcess; origin: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (started) return;
      output += chunk.toString();
      const m = ready.exec(output);
      if (m) {
        started = true;
        child.removeAllListeners('exit');
        resolve({
          child,
          origin: m[1]!,
          stop: () =>
            new Promise((done) => {
              child.on('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`process exited with ${code}:\n${output}`)));
  });
}

export const fmt = (n: number, digits = 1): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
