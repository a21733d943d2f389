import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Role } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { CredentialCache } from './credential-cache';
import type { AuthUser } from './principal';
import { randomSecret, sha256Hex } from './secrets';

type Db = Kysely<Database> | Transaction<Database>;

/** The session cookie (issue #9): HttpOnly, SameSite=Lax, Path=/, Secure behind https. */
export const SESSION_COOKIE = 'twin_session';

/**
 * The session's CSRF token, derived from the cookie value (domain-separated from the stored
 * hash), so it needs no storage and reveals nothing of the cookie.
 */
export const csrfFor = (sessionValue: string): string =>
  createHash('sha256').update(`twin-csrf:${sessionValue}`).digest('base64url');

export interface ResolvedSession {
  user: AuthUser;
  hash: string;
  csrf: string;
}

/** Sessions: random cookie values, stored as SHA-256; absolute expiry; revocable. */
export class SessionStore {
  readonly #db: Kysely<Database>;
  readonly #ttlS: number;
  readonly #cache = new CredentialCache<ResolvedSession>(5000);

  constructor(db: Kysely<Database>, ttlS: number) {
    this.#db = db;
    this.#ttlS = ttlS;
  }

  get ttlS(): number {
    return this.#ttlS;
  }

  /** A new session for `userId` (inside the sign-in's transaction); returns the cookie value. */
  async create(
    db: Db,
    userId: string,
    via: 'password' | 'oidc',
  ): Promise<{ value: string; csrf: string; expiresAt: Date }> {
    const value = randomSecret();
    const expiresAt = new Date(Date.now() + this.#ttlS * 1000);
    await db
      .insertInto('sessions')
      .values({ id_hash: sha256Hex(value), user_id: userId, via, expires_at: expiresAt })
      .execute();
    await db
      .updateTable('users')
      .set({ last_sign_in_at: new Date() })
      .where('id', '=', userId)
      .execute();
    return { value, csrf: csrfFor(value), expiresAt };
  }

  /** The live session of a cookie value, or null (unknown, expired or revoked). */
  async resolve(value: string): Promise<ResolvedSession | null> {
    if (value.length < 20 || value.length > 200) return null;
    const hash = sha256Hex(value);
    const cached = this.#cache.get(hash);
    if (cached !== undefined) return cached;
    const row = await this.#db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.name', 'u.role', 's.expires_at'])
      .where('s.id_hash', '=', hash)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', new Date())
      .executeTakeFirst();
    const resolved = row
      ? {
          user: { id: String(row.id), name: row.name, role: row.role as Role },
          hash,
          csrf: csrfFor(value),
        }
      : null;
    this.#cache.set(hash, resolved, row ? new Date(row.expires_at).getTime() : undefined);
    return resolved;
  }

  /** Revokes one session (sign-out) in `db`'s transaction. */
  async revoke(db: Db, hash: string): Promise<void> {
    await db
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('id_hash', '=', hash)
      .execute();
    this.#cache.delete(hash);
  }

  /** Forgets cached sessions of a user whose account changed in this process. */
  forgetUser(name: string): void {
    this.#cache.deleteWhere((s) => s.user.name === name);
  }
}
