import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../server/config';
import { ensureFirstAdmin } from '../../server/auth/first-start';
import { verifyPassword } from '../../server/auth/passwords';
import { openTestDatabase, type TestDatabase } from '../support/backends';

describe('the first start', () => {
  let database: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'twin-first-start-'));
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

  const db = () => database.backend.db;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates admin with a generated password in a 0600 file, logging the path and never the password', async () => {
    const config = loadConfig({ TWIN_DATA_DIR: dir });
    const file = await ensureFirstAdmin(db(), config, log);
    expect(file).toBe(join(dir, 'admin-password.txt'));
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const password = readFileSync(file!, 'utf8').trim();
    const admin = await db()
      .selectFrom('users')
      .selectAll()
      .where('name', '=', 'admin')
      .executeTakeFirstOrThrow();
    expect(admin.role).toBe('admin');
    expect(admin.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(admin.password_hash, password)).toBe(true);
    expect(lines.join('')).toContain(file!);
    expect(lines.join('')).not.toContain(password);
    // Once a user exists, nothing more is created.
    expect(await ensureFirstAdmin(db(), config, log)).toBeUndefined();
    expect(await db().selectFrom('users').select('id').execute()).toHaveLength(1);
  });

  it('on PostgreSQL creates admin from TWIN_ADMIN_PASSWORD, or nobody without it', async () => {
    await db().deleteFrom('users').execute();
    const pg = loadConfig({ DATABASE_URL: 'postgres://h/db', TWIN_DATA_DIR: dir });
    expect(await ensureFirstAdmin(db(), pg, log)).toBeUndefined();
    expect(await db().selectFrom('users').select('id').execute()).toHaveLength(0);
    expect(lines.join('')).toMatch(/npm run users -- add/);
    const given = loadConfig({
      DATABASE_URL: 'postgres://h/db',
      TWIN_ADMIN_PASSWORD: 'a long admin password',
    });
    await ensureFirstAdmin(db(), given, log);
    const admin = await db().selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(await verifyPassword(admin.password_hash, 'a long admin password')).toBe(true);
    expect(lines.join('')).not.toContain('a long admin password');
  });
});
