import { readFileSync } from 'node:fs';
import postgres from 'postgres';

/**
 * The benchmarks' own PostgreSQL databases: `DATABASE_URL` when set, else a local `twin_bench`;
 * at a demo scale other than 1 a database of its own beside it (`twin_bench_s10`), so each scale
 * is seeded once and kept.
 */
export function benchDatabaseUrl(scale = 1): string {
  const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/twin_bench';
  if (scale === 1) return base;
  const u = new URL(base);
  u.pathname = `/${u.pathname.slice(1)}_s${scale}`;
  return u.toString();
}

/** `--scale N` (TWIN_DEMO_SCALE of the bench city), default 1. */
export function scaleOption(args: string[]): number {
  const i = args.indexOf('--scale');
  const v = i >= 0 ? Number(args[i + 1]) : Number(process.env.TWIN_DEMO_SCALE ?? 1);
  if (!Number.isInteger(v) || v < 1 || v > 100) throw new Error('--scale must be an integer 1–100');
  return v;
}

/** Creates the bench database on its server when it does not exist (PostGIS comes with migrate). */
export async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres({ ...connection(url), database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists.length === 0) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`will not create database ${name}`);
      await admin.unsafe(`CREATE DATABASE "${name}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

function connection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password) || undefined,
  };
}

/** Peak resident memory of a (Linux) process so far, MB: VmHWM from /proc. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
