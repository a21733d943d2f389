import { sql, type Kysely, type Transaction } from 'kysely';
import type { Role } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { inTransaction, recordAudit } from './audit';
import { checkPasswordRule, generatePassword, hashPassword } from './passwords';
import type { Actor } from './principal';
import type { AccountRole } from './roles';

type Db = Kysely<Database> | Transaction<Database>;

/** Sign-in names: 1–100 letters, digits, _ . @ - (no spaces: they appear in audit rows and URLs). */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

export function checkUserName(name: string): string {
  if (!USER_NAME.test(name)) {
    throw new ApiError(
      400,
      'bad_request',
      'a user name is 1–100 letters, digits, _ . @ -, starting with a letter or digit',
    );
  }
  return name;
}

export interface UserView {
  id: string;
  name: string;
  role: Role;
  sso: boolean;
  created_at: string;
  last_sign_in_at: string | null;
}

const view = (r: {
  id: string;
  name: string;
  role: Role;
  oidc_subject: string | null;
  created_at: Date;
  last_sign_in_at: Date | null;
}): UserView => ({
  id: String(r.id),
  name: r.name,
  role: r.role,
  sso: r.oidc_subject !== null,
  created_at: new Date(r.created_at).toISOString(),
  last_sign_in_at: r.last_sign_in_at ? new Date(r.last_sign_in_at).toISOString() : null,
});

const COLUMNS = ['id', 'name', 'role', 'oidc_subject', 'created_at', 'last_sign_in_at'] as const;

export async function findUser(db: Db, name: string) {
  return db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
}

async function mustFind(db: Db, name: string) {
  const user = await findUser(db, name);
  if (!user) throw new ApiError(404, 'not_found', `no user ${name}`);
  return user;
}

export async function listUsers(
  db: Db,
  page?: { limit: number; offset: number },
): Promise<UserView[]> {
  let q = db.selectFrom('users').select(COLUMNS).orderBy('name').orderBy('id');
  if (page) q = q.limit(page.limit + 1).offset(page.offset);
  const rows = await q.execute();
  return rows.map(view);
}

/**
 * Creates an account. Without a password one is generated and returned (shown once, stored
 * only as its argon2id hash).
 */
export async function addUser(
  db: Db,
  input: { name: string; role: AccountRole; password?: string },
  actor: Actor,
): Promise<{ user: UserView; password: string | null }> {
  checkUserName(input.name);
  const rule = input.password === undefined ? null : checkPasswordRule(input.password);
  if (rule) throw new ApiError(400, 'bad_request', rule);
  const password = input.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  return inTransaction(db, async (trx) => {
    if (await findUser(trx, input.name))
      throw new ApiError(409, 'bad_request', `user ${input.name} exists`);
    const row = await trx
      .insertInto('users')
      .values({
        name: input.name,
        role: input.role,
        password_hash: passwordHash,
        updated_at: new Date(),
      })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'user.add',
      targetType: 'user',
      targetId: input.name,
      details: { role: input.role, password: input.password === undefined ? 'generated' : 'given' },
    });
    return { user: view(row), password: input.password === undefined ? password : null };
  });
}

export async function setRole(
  db: Db,
  name: string,
  role: AccountRole,
  actor: Actor,
): Promise<UserView> {
  return inTransaction(db, async (trx) => {
    const before = await mustFind(trx, name);
    const row = await trx
      .updateTable('users')
      .set({ role, updated_at: new Date() })
      .where('id', '=', before.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'user.set_role',
      targetType: 'user',
      targetId: name,
      details: { from: before.role, to: role },
    });
    return view(row);
  });
}

/** Removes the account; its sessions, tokens and shares go with it (foreign keys cascade). */
export async function removeUser(db: Db, name: string, actor: Actor): Promise<void> {
  await inTransaction(db, async (trx) => {
    const user = await mustFind(trx, name);
    if (user.role === 'admin') {
      const { rows } = await sql<{
        n: string | number;
      }>`SELECT count(*) AS n FROM users WHERE role = 'admin'`.execute(trx);
      if (Number(rows[0]!.n) <= 1)
        throw new ApiError(409, 'bad_request', 'the last admin cannot be removed');
    }
    await trx.deleteFrom('users').where('id', '=', user.id).execute();
    await recordAudit(trx, {
      actor,
      action: 'user.remove',
      targetType: 'user',
      targetId: name,
      details: { role: user.role },
    });
  });
}

/** Sets a new password (generated when not given) and signs the user out everywhere. */
export async function resetPassword(
  db: Db,
  name: string,
  password: string | undefined,
  actor: Actor,
): Promise<string | null> {
  const rule = password === undefined ? null : checkPasswordRule(password);
  if (rule) throw new ApiError(400, 'bad_request', rule);
  const next = password ?? generatePassword();
  const passwordHash = await hashPassword(next);
  return inTransaction(db, async (trx) => {
    const user = await mustFind(trx, name);
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', user.id)
      .execute();
    const revoked = await trx
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await recordAudit(trx, {
      actor,
      action: 'user.reset_password',
      targetType: 'user',
      targetId: name,
      details: {
        password: password === undefined ? 'generated' : 'given',
        sessions_revoked: Number(revoked.numUpdatedRows),
      },
    });
    return password === undefined ? next : null;
  });
}

/** Names and roles of accounts that can be given a scenario share (planners and up). */
export async function directory(db: Db): Promise<{ name: string; role: Role }[]> {
  return db
    .selectFrom('users')
    .select(['name', 'role'])
    .where('role', 'in', ['planner', 'gis', 'admin'])
    .orderBy('name')
    .limit(5000)
    .execute();
}
