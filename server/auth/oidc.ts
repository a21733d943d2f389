import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import * as client from 'openid-client';
import type { OidcConfig } from '../config';
import type { Role } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import type { Logger } from '../log';
import { inTransaction, recordAudit } from './audit';
import { atLeast } from './roles';
import { sha256Hex } from './secrets';
import type { SessionStore } from './session-store';
import { setSessionCookie } from './session-routes';
import { USER_NAME } from './user-store';

/** Holds state, nonce and PKCE verifier between the redirect out and the callback (10 min). */
const FLOW_COOKIE = 'twin_oidc';
const FLOW_MAX_AGE_S = 600;

export interface OidcRoutesOptions {
  db: Kysely<Database>;
  config: OidcConfig;
  sessions: SessionStore;
  /** The twin's public origin; undefined: the request's own. */
  publicOrigin: string | undefined;
  secureCookies: boolean;
  log: Logger;
}

/**
 * The role a claim value grants (`TWIN_OIDC_ROLES`, e.g. `planners=planner,it-admins=admin`):
 * the highest of all matching values; `public` when none matches.
 */
export function roleFromClaim(
  value: unknown,
  roles: ReadonlyMap<string, Exclude<Role, 'public'>>,
): Role {
  const values = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(/[\s,]+/)
      : [];
  let role: Role = 'public';
  for (const v of values) {
    const mapped = typeof v === 'string' ? roles.get(v) : undefined;
    if (mapped && atLeast(mapped, role)) role = mapped;
  }
  return role;
}

/** A sign-in name from the provider's claims, kept to USER_NAME's characters. */
function nameFrom(claims: Record<string, unknown>): string {
  const raw = [claims.preferred_username, claims.email, claims.sub].find(
    (v) => typeof v === 'string' && v !== '',
  ) as string;
  const cleaned = raw
    .replace(/[^A-Za-z0-9_.@-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 80);
  return USER_NAME.test(cleaned) ? cleaned : `sso_${sha256Hex(raw).slice(0, 12)}`;
}

/**
 * Single sign-on (issue #9): OpenID Connect authorization code flow with PKCE (S256), state and
 * nonce, through `openid-client`.
 *   GET /auth/oidc/login?return=/path  → 302 to the provider
 *   GET /auth/oidc/callback            → a session (cookie `twin_session`), 302 back
 * The role comes from `TWIN_OIDC_ROLE_CLAIM` (ID token, else userinfo) on every sign-in.
 */
export function oidcRoutes(o: OidcRoutesOptions) {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= (async () => {
      const issuer = new URL(o.config.issuer);
      // Plain http only for a provider on this machine (development and tests).
      const insecure = issuer.protocol === 'http:';
      return client.discovery(
        issuer,
        o.config.clientId,
        o.config.clientSecret,
        undefined,
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
    })();
    discovered.catch(() => (discovered = undefined));
    return discovered.catch((error: unknown) => {
      o.log.warn({ err: error }, 'oidc: provider discovery failed');
      throw new ApiError(
        503,
        'unavailable',
        'the sign-in provider cannot be reached; try again shortly',
      );
    });
  };
  const origin = (c: Context) => o.publicOrigin ?? new URL(c.req.url).origin;
  const redirectUri = (c: Context) => `${origin(c)}/auth/oidc/callback`;

  return new Hono()
    .get('/login', async (c) => {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const back = c.req.query('return') ?? '/';
      // Only a path on this twin: never an open redirect.
      const returnTo = /^\/(?![/\\])[^\s]*$/.test(back) ? back.slice(0, 500) : '/';
      setCookie(
        c,
        FLOW_COOKIE,
        Buffer.from(JSON.stringify({ state, nonce, verifier, returnTo })).toString('base64url'),
        {
          httpOnly: true,
          sameSite: 'Lax',
          path: '/auth/oidc',
          secure: o.secureCookies,
          maxAge: FLOW_MAX_AGE_S,
        },
      );
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri(c),
        scope: o.config.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return c.redirect(url.href, 302);
    })
    .get('/callback', async (c) => {
      const config = await configuration();
      const flow = readFlow(getCookie(c, FLOW_COOKIE));
      deleteCookie(c, FLOW_COOKIE, { path: '/auth/oidc', secure: o.secureCookies });
      if (!flow)
        throw new ApiError(
          400,
          'bad_request',
          'the sign-in expired or was started elsewhere; start again',
        );
      const current = new URL(
        `${origin(c)}${new URL(c.req.url).pathname}${new URL(c.req.url).search}`,
      );
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        o.log.warn({ err: error }, 'oidc: the callback was refused');
        throw new ApiError(
          400,
          'bad_request',
          `sign-in failed: ${(error as Error).message.slice(0, 200)}`,
        );
      }
      const claims = { ...(tokens.claims() ?? {}) } as Record<string, unknown>;
      if (claims[o.config.roleClaim] === undefined) {
        const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
        Object.assign(claims, info, { sub: claims.sub });
      }
      const role = roleFromClaim(claims[o.config.roleClaim], o.config.roles);
      const subject = `${o.config.issuer}|${String(claims.sub)}`;
      const session = await inTransaction(o.db, async (trx) => {
        let user = await trx
          .selectFrom('users')
          .select(['id', 'name', 'role'])
          .where('oidc_subject', '=', subject)
          .executeTakeFirst();
        if (user) {
          if (user.role !== role) {
            await trx
              .updateTable('users')
              .set({ role, updated_at: new Date() })
              .where('id', '=', user.id)
              .execute();
            await recordAudit(trx, {
              actor: { name: user.name, role },
              action: 'user.set_role',
              targetType: 'user',
              targetId: user.name,
              details: { from: user.role, to: role, via: 'oidc claim' },
            });
          }
        } else {
          let name = nameFrom(claims);
          if (
            await trx.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst()
          ) {
            name = `${name.slice(0, 80)}-${sha256Hex(subject).slice(0, 6)}`;
          }
          user = await trx
            .insertInto('users')
            .values({
              name,
              role,
              oidc_subject: subject,
              password_hash: null,
              updated_at: new Date(),
            })
            .returning(['id', 'name', 'role'])
            .executeTakeFirstOrThrow();
          await recordAudit(trx, {
            actor: { name, role },
            action: 'user.add',
            targetType: 'user',
            targetId: name,
            details: { role, via: 'oidc' },
          });
        }
        const s = await o.sessions.create(trx, user.id, 'oidc');
        await recordAudit(trx, {
          actor: { name: user.name, role },
          action: 'session.create',
          targetType: 'user',
          targetId: user.name,
          details: { via: 'oidc', expires_at: s.expiresAt.toISOString() },
        });
        o.sessions.forgetUser(user.name);
        return s;
      });
      setSessionCookie(c, session.value, { secure: o.secureCookies, maxAgeS: o.sessions.ttlS });
      return c.redirect(flow.returnTo, 302);
    });
}

function readFlow(
  raw: string | undefined,
): { state: string; nonce: string; verifier: string; returnTo: string } | null {
  if (!raw || raw.length > 2000) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const ok = ['state', 'nonce', 'verifier', 'returnTo'].every((k) => typeof v[k] === 'string');
    return ok ? (v as { state: string; nonce: string; verifier: string; returnTo: string }) : null;
  } catch {
    return null;
  }
}
