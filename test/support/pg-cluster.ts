import postgres from 'postgres';
import { openBackend } from '../../server/db/backend';
import { migrate } from '../../server/db/migrate';
import { DEFAULT_DEMO_CENTER, DEFAULT_DEMO_SEED, seedDemoCity } from '../../data/seed-demo';
import { registerDemoSensors } from '../../data/demo-sensors';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PostgreSQL server binaries (Debian's postgresql-15); `TWIN_PG_BIN` points elsewhere. */
export const PG_BIN = process.env.TWIN_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const HAS_PG_BIN = ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) =>
  existsSync(join(PG_BIN, b)),
);

const asRoot = process.getuid?.() === 0;
/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
function pg(tool: string, args: string[]): { ok: boolean; output: string } {
  const cmd = asRoot ? 'runuser' : join(PG_BIN, tool);
  const full = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, tool), ...args] : args;
  const r = spawnSync(cmd, full, { encoding: 'utf8', timeout: 120_000 });
  return {
    ok: r.status === 0,
    output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

function must(tool: string, args: string[]): void {
  const r = pg(tool, args);
  if (!r.ok) throw new Error(`${tool} ${args.join(' ')} failed:\n${r.output}`);
}

export interface PgCluster {
  port: number;
  dir: string;
  url(database?: string): string;
  start(): void;
  /** `pg_ctl stop -m immediate`: as abrupt as a crash, for the restart tests. */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Stops it and removes its directory. */
  destroy(): void;
}

const started = new Set<PgCluster>();
process.once('exit', () => {
  for (const c of started) c.stop('immediate');
});

function cluster(dir: string, port: number): PgCluster {
  const self: PgCluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => {
      must('pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      started.add(self);
    },
    stop: (mode = 'fast') => {
      if (!started.has(self)) return;
      pg('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']);
      started.delete(self);
    },
    destroy: () => {
      self.stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const { uid, gid } = userIds('postgres');
    chownSync(dir, uid, gid);
  }
  return dir;
}

function userIds(name: string): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function settings(dir: string, port: number): void {
  // Our own cluster on our own port: the shared server on 5432 is never touched.
  appendFileSync(
    join(dir, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 8',
      'hot_standby = on',
      'fsync = off', // a throwaway test cluster
      'shared_buffers = 64MB',
      'max_connections = 100',
      '',
    ].join('\n'),
  );
}

/** initdb + start a primary on `port` (trust auth on 127.0.0.1, replication allowed). */
export function startPrimary(port: number): PgCluster {
  const dir = scratch('twin-pg-primary-');
  rmSync(dir, { recursive: true, force: true });
  must('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  settings(dir, port);
  const c = cluster(dir, port);
  c.start();
  return c;
}

/** pg_basebackup of `primary` into a streaming standby (`-R`) on `port`, started. */
export function startReplica(primary: PgCluster, port: number): PgCluster {
  const dir = scratch('twin-pg-replica-');
  rmSync(dir, { recursive: true, force: true });
  must('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    dir,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  // The copy carries the primary's settings; the last line wins.
  appendFileSync(
    join(dir, 'postgresql.conf'),
    `\nport = ${port}\nunix_socket_directories = '${dir}'\n`,
  );
  if (!statSync(join(dir, 'standby.signal'), { throwIfNoEntry: false }))
    throw new Error('pg_basebackup -R wrote no standby.signal');
  const c = cluster(dir, port);
  c.start();
  return c;
}

/**
 * A primary on `port` with a database `twin` holding the migrated demo city and its sensors,
 * as the test templates have it: what a replica of the twin starts from.
 */
export async function startSeededPrimary(port: number): Promise<PgCluster> {
  const primary = startPrimary(port);
  const admin = postgres(primary.url(), { max: 1, onnotice: () => {} });
  await admin`CREATE DATABASE twin`;
  await admin.end();
  const seed = await openBackend({
    databaseUrl: primary.url('twin'),
    dataDir: '',
    poolSize: 4,
    tileTimeoutMs: 10_000,
  });
  try {
    await migrate(seed);
    const { datasetId } = await seedDemoCity(seed.db, {
      seed: DEFAULT_DEMO_SEED,
      center: DEFAULT_DEMO_CENTER,
    });
    await registerDemoSensors(seed.db, datasetId);
  } finally {
    await seed.close();
  }
  return primary;
}
