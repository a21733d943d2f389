import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openBackend } from '../../server/db/backend';
import { createLogger } from '../../server/log';
import { HAS_POSTGRES, openTestDatabase, type TestDatabase } from '../support/backends';

/** Runs `npm run users -- …` as README says (tsx server/cli/users.ts). */
function users(
  env: Record<string, string>,
  args: string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/users.ts', ...args], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * On a private PostgreSQL database when DATABASE_URL is set (each command then starts in about a
 * second); else on a fresh embedded database, which every command reopens (slow on two cores).
 */
describe(`npm run users on ${HAS_POSTGRES ? 'PostgreSQL' : 'the embedded database'}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'twin-users-cli-'));
  let pg: TestDatabase | undefined;
  const env: Record<string, string> = { TWIN_DATA_DIR: dataDir, TWIN_DEMO: 'off' };
  beforeAll(async () => {
    if (!HAS_POSTGRES) return;
    pg = await openTestDatabase('postgres');
    env.DATABASE_URL = pg.url!;
  });
  afterAll(async () => {
    await pg?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds, lists, changes, tokens and removes accounts; secrets are printed once and work', async () => {
    const added = await users(env, ['add', 'pat', '--role', 'planner']);
    expect(added.code, added.stderr).toBe(0);
    const generated = added.stdout.trim();
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(
      (
        await users(
          env,
          ['add', 'gail', '--role', 'gis', '--password-stdin'],
          'a chosen password\n',
        )
      ).code,
    ).toBe(0);
    expect((await users(env, ['add', 'pat', '--role', 'admin'])).code).toBe(1);
    expect((await users(env, ['add', 'x', '--role', 'overlord'])).code).toBe(2);
    expect((await users(env, ['set-role', 'pat', 'admin'])).stdout).toMatch(/pat is now admin/);
    const token = (await users(env, ['token', 'gail', '--label', 'replay'])).stdout.trim();
    expect(token).toMatch(/^twt_/);
    const reset = (await users(env, ['reset-password', 'gail'])).stdout.trim();
    expect(reset).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const list = (await users(env, ['list'])).stdout;
    expect(list).toMatch(/^gail\tgis\tpassword\t/m);
    expect(list).toMatch(/^pat\tadmin\tpassword\t/m);
    expect(list).not.toContain(generated);

    // What the CLI wrote works in the twin: the passwords sign in, the token acts as gail.
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
    const backend = await openBackend({
      databaseUrl: env.DATABASE_URL,
      dataDir,
      poolSize: 1,
      tileTimeoutMs: 5000,
    });
    try {
      const { app } = await createApp({ backend, config, log: createLogger('silent') });
      const signIn = (username: string, password: string) =>
        app.request('/api/session', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
      expect(await (await signIn('pat', generated)).json()).toMatchObject({
        user: { name: 'pat', role: 'admin' },
      });
      expect((await signIn('gail', 'a chosen password')).status).toBe(401);
      expect((await signIn('gail', reset)).status).toBe(200);
      const me = await app.request('/api/session', {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(await me.json()).toMatchObject({ user: { name: 'gail', role: 'gis' } });
      const audit = await backend.db
        .selectFrom('audit_log')
        .select(['actor', 'action'])
        .where('actor', '=', 'cli')
        .execute();
      expect(audit.map((r) => r.action)).toEqual([
        'user.add',
        'user.add',
        'user.set_role',
        'token.create',
        'user.reset_password',
      ]);
    } finally {
      await backend.close();
    }
    expect((await users(env, ['remove', 'gail'])).code).toBe(0);
    expect((await users(env, ['list'])).stdout).not.toMatch(/^gail/m);
    // The last admin stays.
    const last = await users(env, ['remove', 'pat']);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last admin/);
  }, 600_000);
});
