import type { Kysely, Transaction } from 'kysely';
import type { Role } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { inTransaction, recordAudit } from './audit';
import { CredentialCache } from './credential-cache';
import type { Actor, AuthUser } from './principal';
import { randomSecret, sha256Hex, TOKEN_PREFIX } from './secrets';

type Db = Kysely<Database> | Transaction<Database>;

export interface TokenView {
  id: string;
  name: string;
  user: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/**
 * API tokens (issue #9): `Authorization: Bearer twt_…` acting as their user. Shown once at
 * creation; the database keeps the SHA-256 only.
 */
export class TokenStore {
  readonly #db: Kysely<Database>;
  readonly #cache = new CredentialCache<{ user: AuthUser; tokenId: string }>(5000);

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(
    db: Db,
    user: { id: string; name: string },
    name: string,
    actor: Actor,
  ): Promise<{ token: string; view: TokenView }> {
    const token = randomSecret(TOKEN_PREFIX);
    return inTransaction(db, async (trx) => {
      const row = await trx
        .insertInto('api_tokens')
        .values({ user_id: user.id, name, token_hash: sha256Hex(token) })
        .returning(['id', 'name', 'created_at'])
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        actor,
        action: 'token.create',
        targetType: 'token',
        targetId: row.id,
        details: { name, user: user.name },
      });
      return {
        token,
        view: {
          id: String(row.id),
          name: row.name,
          user: user.name,
          created_at: new Date(row.created_at).toISOString(),
          last_used_at: null,
          revoked_at: null,
        },
      };
    });
  }

  /** Tokens of one user, or of everyone (`userId` undefined: an admin's list). */
  /** `page`: `limit + 1` rows from `offset` (pagination.ts); else the first 10,000. */
  async list(
    userId: string | undefined,
    page?: { limit: number; offset: number },
  ): Promise<TokenView[]> {
    let q = this.#db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id',
        't.name',
        'u.name as user',
        't.created_at',
        't.last_used_at',
        't.revoked_at',
      ])
      .orderBy('t.id');
    if (userId !== undefined) q = q.where('t.user_id', '=', userId);
    const rows = await (
      page ? q.limit(page.limit + 1).offset(page.offset) : q.limit(10_000)
    ).execute();
    return rows.map((r) => ({
      id: String(r.id),
      name: r.name,
      user: r.user,
      created_at: new Date(r.created_at).toISOString(),
      last_used_at: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
      revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
    }));
  }

  /** Revokes a token of `ownerId` (undefined: any owner, for admins); 404 when there is none. */
  async revoke(id: string, ownerId: string | undefined, actor: Actor): Promise<void> {
    if (!/^[1-9]\d{0,17}$/.test(id)) throw new ApiError(404, 'not_found', 'no such token');
    await inTransaction(this.#db, async (trx) => {
      let q = trx
        .updateTable('api_tokens')
        .set({ revoked_at: new Date() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null);
      if (ownerId !== undefined) q = q.where('user_id', '=', ownerId);
      const row = await q.returning(['token_hash', 'name']).executeTakeFirst();
      if (!row) throw new ApiError(404, 'not_found', 'no such token');
      this.#cache.delete(row.token_hash);
      await recordAudit(trx, {
        actor,
        action: 'token.revoke',
        targetType: 'token',
        targetId: id,
        details: { name: row.name },
      });
    });
  }

  /** The account a token acts as, or null (unknown or revoked). Marks it used. */
  async resolve(token: string): Promise<{ user: AuthUser; tokenId: string } | null> {
    if (token.length > 200) return null;
    const hash = sha256Hex(token);
    const cached = this.#cache.get(hash);
    if (cached !== undefined) return cached;
    const row = await this.#db
      .updateTable('api_tokens as t')
      .set({ last_used_at: new Date() })
      .from('users as u')
      .whereRef('u.id', '=', 't.user_id')
      .where('t.token_hash', '=', hash)
      .where('t.revoked_at', 'is', null)
      .returning(['t.id as token_id', 'u.id', 'u.name', 'u.role'])
      .executeTakeFirst();
    const resolved = row
      ? {
          user: { id: String(row.id), name: row.name, role: row.role as Role },
          tokenId: String(row.token_id),
        }
      : null;
    this.#cache.set(hash, resolved);
    return resolved;
  }

  forgetUser(name: string): void {
    this.#cache.deleteWhere((t) => t.user.name === name);
  }
}
