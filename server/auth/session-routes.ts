import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SessionResponse } from '../../common/api-types';
import type { Role } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { valid } from '../validate';
import { inTransaction, recordAudit } from './audit';
import { verifyPassword } from './passwords';
import { principalOf } from './principal';
import { SESSION_COOKIE, type SessionStore } from './session-store';
import type { SignInThrottle } from './sign-in-throttle';

export interface SessionRoutesOptions {
  db: Kysely<Database>;
  sessions: SessionStore;
  secureCookies: boolean;
  oidc: boolean;
  /** Failed sign-ins slow down per account (issue #10); none: no slowing. */
  throttle?: SignInThrottle;
}

const SignIn = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
});

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure behind https (issue #9). */
export function setSessionCookie(
  c: Context,
  value: string,
  o: { secure: boolean; maxAgeS: number },
): void {
  setCookie(c, SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: o.secure,
    maxAge: o.maxAgeS,
  });
}

/**
 * `/api/session`:
 *   GET    → {user: {name, role} | null, csrf, oidc}
 *   POST   {username, password} → 200 {user, csrf} + cookie `twin_session`; one 401 for an
 *          unknown user and a wrong password alike
 *   DELETE → 204, the session revoked and the cookie cleared
 */
export function sessionRoutes({
  db,
  sessions,
  secureCookies,
  oidc,
  throttle,
}: SessionRoutesOptions) {
  return new Hono()
    .get('/', (c) => {
      const p = principalOf(c);
      c.header('Cache-Control', 'no-store');
      const body: SessionResponse = {
        user: p.kind === 'user' ? { name: p.user.name, role: p.user.role } : null,
        csrf: p.kind === 'user' && p.via === 'session' ? p.csrf : null,
        oidc,
      };
      return c.json(body);
    })
    .post('/', valid('json', SignIn), async (c) => {
      const { username, password } = c.req.valid('json');
      const wait = throttle?.waitS(username) ?? 0;
      if (wait > 0) {
        const e = new ApiError(
          429,
          'rate_limited',
          `too many failed sign-ins for this account; retry in ${wait} s`,
        );
        e.retryAfterS = wait;
        throw e;
      }
      const user = await db
        .selectFrom('users')
        .select(['id', 'name', 'role', 'password_hash'])
        .where('name', '=', username)
        .executeTakeFirst();
      // The hash is checked even for an unknown user (a dummy one), so both cost the same.
      const ok = await verifyPassword(user?.password_hash ?? null, password);
      if (!user || !ok) {
        throttle?.failed(username);
        await recordAudit(db, {
          actor: { name: username.slice(0, 100), role: 'public' },
          action: 'session.failed',
          targetType: 'user',
          targetId: username.slice(0, 100),
          details: { reason: user ? 'wrong password' : 'unknown user' },
        });
        throw new ApiError(401, 'unauthorized', 'wrong user name or password');
      }
      throttle?.succeeded(username);
      const session = await inTransaction(db, async (trx) => {
        const s = await sessions.create(trx, user.id, 'password');
        await recordAudit(trx, {
          actor: { name: user.name, role: user.role },
          action: 'session.create',
          targetType: 'user',
          targetId: user.name,
          details: { via: 'password', expires_at: s.expiresAt.toISOString() },
        });
        return s;
      });
      setSessionCookie(c, session.value, { secure: secureCookies, maxAgeS: sessions.ttlS });
      c.header('Cache-Control', 'no-store');
      const body: SessionResponse = {
        user: { name: user.name, role: user.role as Role },
        csrf: session.csrf,
      };
      return c.json(body);
    })
    .delete('/', async (c) => {
      const p = principalOf(c);
      if (p.kind === 'user' && p.via === 'session') {
        await inTransaction(db, async (trx) => {
          await sessions.revoke(trx, p.sessionHash);
          await recordAudit(trx, {
            actor: { name: p.user.name, role: p.user.role },
            action: 'session.delete',
            targetType: 'user',
            targetId: p.user.name,
          });
        });
      }
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookies });
      return c.body(null, 204);
    });
}
