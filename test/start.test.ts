import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { lonLatToTile } from '../tiles/tile-coords';
import { decodeTile } from './support/mvt';

/**
 * The first start seeds the demo city, a week of history and the home view's tiles: ~100 s on a
 * quiet two-core machine, several times that beside other suites.
 */
const FIRST_START = 600_000;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Twins started by a test and not yet stopped (a test that timed out leaves its twin here). */
const running = new Set<ChildProcess>();

/** Runs `npm start` exactly as README says (tsx server/main.ts), on a fresh data directory. */
function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/[^"\s]+)/.exec(output);
      if (m) resolve({ child, url: m[1]!, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

describe('npm start on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'twin-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  // A twin still starting when its test ran out of time would hold the embedded database (one
  // writer) and hang the next test on the same data directory: stop it before going on.
  afterEach(async () => {
    await Promise.all(
      [...running].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  });

  it(
    'creates the database, seeds the demo city and serves health and tiles',
    async () => {
      const twin = await start({ TWIN_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      try {
        expect(twin.output()).toMatch(/opening embedded PostgreSQL \+ PostGIS/);
        expect(twin.output()).toMatch(/demo city seeded/);
        // A week of demo history, so the dashboard's charts and the time slider have data at once.
        expect(twin.output()).toMatch(/demo history written/);
        const dashboard = (await (await fetch(`${twin.url}/api/dashboard`)).json()) as {
          series: { key: string; points: unknown[] }[];
        };
        expect(
          dashboard.series.find((x) => x.key === 'congestion')!.points.length,
        ).toBeGreaterThanOrEqual(20);
        const health = await fetch(`${twin.url}/healthz`);
        expect(health.status).toBe(200);
        const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
        const res = await fetch(`${twin.url}/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt`);
        expect(res.status).toBe(200);
        const buildings = decodeTile(new Uint8Array(await res.arrayBuffer())).buildings!;
        expect(buildings.length).toBeGreaterThan(10);
        expect(buildings[0]!.properties).toHaveProperty('height_m');
        expect(buildings[0]!.properties).toHaveProperty('use');

        // First start (issue #9): user admin, its password in a 0600 file named in the log — the
        // password itself never is.
        const file = join(dataDir, 'admin-password.txt');
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const password = readFileSync(file, 'utf8').trim();
        expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
        expect(twin.output()).toContain(file);
        expect(twin.output()).not.toContain(password);
        const signIn = await fetch(`${twin.url}/api/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        });
        expect(await signIn.json()).toMatchObject({ user: { name: 'admin', role: 'admin' } });
        // The opening view's tiles were built right after seeding and kept on disk (issue #14).
        expect(twin.output()).toMatch(/home view tiles built/);
        expect(readdirSync(join(dataDir, 'tile-cache')).length).toBeGreaterThan(0);
      } finally {
        expect(await stop(twin.child)).toBe(0);
      }
    },
    FIRST_START,
  );

  it('reopens the same data directory without seeding again', async () => {
    const twin = await start({ TWIN_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      expect(twin.output()).not.toMatch(/seeding the demo city/);
      expect(twin.output()).not.toMatch(/created user admin/);
      expect((await fetch(`${twin.url}/healthz`)).status).toBe(200);
      // Served from the tiles kept on disk: the same tile as before the restart.
      const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 14);
      const res = await fetch(`${twin.url}/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt`);
      expect(res.status).toBe(200);
      expect(decodeTile(new Uint8Array(await res.arrayBuffer())).buildings!.length).toBeGreaterThan(
        10,
      );
      expect(twin.output()).not.toMatch(/home view tiles built/);
    } finally {
      expect(await stop(twin.child)).toBe(0);
    }
    // Stopped while its impact worker may still be building the simulator's traffic world: a
    // shutdown, not a failed job, so nothing is logged as one.
    expect(twin.output()).not.toMatch(/impact job failed|no traffic world/);
  }, 240_000);

  it('refuses to start with a clear message on bad configuration', async () => {
    await expect(
      start({ PORT: 'eighty', DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/x' }),
    ).rejects.toThrow(/invalid configuration:\n {2}PORT/);
  });
});
