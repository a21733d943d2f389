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

/**
 * Sends GET requests for `paths` (each once, in order) from `concurrency` keep-alive
 * connections, the way a map client fetches tiles. Bounded by the list: it always stops.
 */
export async function httpLoad(
  origin: string,
  paths: string[],
  concurrency: number,
  headers: Record<string, string> = { 'Accept-Encoding': 'gzip' },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(origin);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let bytes = 0;
  let next = 0;
  const one = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) await one(paths[next++]!);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: paths.length,
    seconds,
    perSecond: paths.length / seconds,
    bytes,
    latencies,
    statuses,
  };
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
  {
    offset = 0,
    headers = { 'Accept-Encoding': 'gzip' },
  }: { offset?: number; headers?: Record<string, string> } = {},
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(origin);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let bytes = 0;
  let next = offset;
  const one = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) await one(paths[next++ % paths.length]!);
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    bytes,
    latencies,
    statuses,
  };
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
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await task(next++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const elapsed = (performance.now() - started) / 1000;
  return { perSecond: latencies.length / elapsed, latencies, count: latencies.length };
}

/** Runs async `tasks` with at most `concurrency` in flight; returns tasks per second. */
export async function concurrentRate(
  tasks: (() => Promise<unknown>)[],
  concurrency: number,
): Promise<{ perSecond: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        const t0 = performance.now();
        await task();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: tasks.length / ((performance.now() - started) / 1000), latencies };
}

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

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
