import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { Database } from '../../schema/database';
import type { Logger } from '../log';
import { generatePassword } from './passwords';
import { addUser } from './user-store';

/** Where the embedded twin leaves the first admin's password for its owner. */
export const ADMIN_PASSWORD_FILE = 'admin-password.txt';

/**
 * The first account (issue #9), only while no user exists:
 * - `TWIN_ADMIN_PASSWORD` set (any backend): user `admin` with that password;
 * - the embedded default: user `admin` with a generated password written to
 *   `TWIN_DATA_DIR/admin-password.txt` (mode 0600); the log names the file, never the password;
 * - PostgreSQL without it: nobody is created; the log says to use `npm run users`.
 * Returns the file written, if any.
 */
export async function ensureFirstAdmin(
  db: Kysely<Database>,
  config: Config,
  log: Logger,
): Promise<string | undefined> {
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const actor = { name: 'first-start', role: 'system' };
  const given = config.auth.adminPassword;
  if (given) {
    await addUser(db, { name: 'admin', role: 'admin', password: given }, actor);
    log.info('no user yet: created user admin with the password in TWIN_ADMIN_PASSWORD');
    return undefined;
  }
  const embedded = !config.databaseUrl && !config.dataDir.startsWith('memory://');
  if (!embedded) {
    log.warn(
      'no user yet: create one with `npm run users -- add <name> --role admin` (or set TWIN_ADMIN_PASSWORD)',
    );
    return undefined;
  }
  const password = generatePassword();
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, ADMIN_PASSWORD_FILE);
  // Written before the account exists: a crash in between leaves a file, never a lost password.
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  await addUser(db, { name: 'admin', role: 'admin', password }, actor);
  log.info(
    { file },
    'no user yet: created user admin; its password is in this file (sign in, then change it)',
  );
  return file;
}
