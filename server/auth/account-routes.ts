import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { PageQuery, pageOf, pageRows } from '../limits/pagination';
import { valid } from '../validate';
import { rowId } from '../params';
import { listAudit } from './audit';
import { actorOf, principalOf, type Principal } from './principal';
import { ACCOUNT_ROLES } from './roles';
import type { SessionStore } from './session-store';
import type { TokenStore } from './token-store';
import { addUser, directory, listUsers, removeUser, resetPassword, setRole } from './user-store';

const me = (p: Principal) => {
  if (p.kind !== 'user') throw new ApiError(401, 'unauthorized', 'sign in first');
  return p.user;
};

const TokenCreate = z.object({ name: z.string().trim().min(1).max(100) }).strict();
const TokenParam = z.object({ id: rowId('token id') });

/**
 * `/api/tokens`: GET (own tokens; an admin sees everyone's) · POST {name} → 201 {token, …}
 * (the token is shown once) · DELETE /{id} (own, or any for an admin).
 */
export function tokenRoutes({ db, tokens }: { db: Kysely<Database>; tokens: TokenStore }) {
  return new Hono()
    .get('/', valid('query', PageQuery), async (c) => {
      const user = me(principalOf(c));
      const page = pageOf(c.req.valid('query'));
      const { items, next } = pageRows(
        await tokens.list(user.role === 'admin' ? undefined : user.id, page),
        page,
      );
      return c.json({ tokens: items, next });
    })
    .post('/', valid('json', TokenCreate), async (c) => {
      const p = principalOf(c);
      const user = me(p);
      const { token, view } = await tokens.create(db, user, c.req.valid('json').name, actorOf(p));
      c.header('Cache-Control', 'no-store');
      return c.json({ ...view, token }, 201);
    })
    .delete('/:id', valid('param', TokenParam, { notFound: 'no such token' }), async (c) => {
      const p = principalOf(c);
      const user = me(p);
      await tokens.revoke(
        c.req.valid('param').id,
        user.role === 'admin' ? undefined : user.id,
        actorOf(p),
      );
      return c.body(null, 204);
    });
}

const UserCreate = z
  .object({
    name: z.string().min(1).max(100),
    role: z.enum(ACCOUNT_ROLES),
    password: z.string().min(12).max(1024).optional(),
  })
  .strict();

const UserUpdate = z
  .object({
    role: z.enum(ACCOUNT_ROLES).optional(),
    password: z.string().min(12).max(1024).optional(),
    /** true: generate a new password (returned once). */
    reset_password: z.literal(true).optional(),
  })
  .strict();

/**
 * `/api/users` (admin; `/directory` for planners): the same operations as `npm run users`.
 */
export function userRoutes(o: {
  db: Kysely<Database>;
  sessions: SessionStore;
  tokens: TokenStore;
}) {
  const { db } = o;
  const forget = (name: string) => {
    o.sessions.forgetUser(name);
    o.tokens.forgetUser(name);
  };
  return new Hono()
    .get('/', valid('query', PageQuery), async (c) => {
      const page = pageOf(c.req.valid('query'));
      const { items, next } = pageRows(await listUsers(db, page), page);
      return c.json({ users: items, next });
    })
    .get('/directory', valid('query', PageQuery), async (c) => {
      const page = pageOf(c.req.valid('query'));
      const { items, next } = pageRows(await directory(db), page, false);
      return c.json({ users: items, next });
    })
    .post('/', valid('json', UserCreate), async (c) => {
      const input = c.req.valid('json');
      const { user, password } = await addUser(db, input, actorOf(principalOf(c)));
      c.header('Cache-Control', 'no-store');
      return c.json({ user, ...(password ? { password } : {}) }, 201);
    })
    .patch('/:name', valid('json', UserUpdate), async (c) => {
      const name = c.req.param('name');
      const input = c.req.valid('json');
      const actor = actorOf(principalOf(c));
      if (input.role) await setRole(db, name, input.role, actor);
      let password: string | null = null;
      if (input.password || input.reset_password)
        password = await resetPassword(db, name, input.password, actor);
      forget(name);
      const user = (await listUsers(db)).find((u) => u.name === name);
      if (!user) throw new ApiError(404, 'not_found', `no user ${name}`);
      c.header('Cache-Control', 'no-store');
      return c.json({ user, ...(password ? { password } : {}) });
    })
    .delete('/:name', async (c) => {
      const name = c.req.param('name');
      await removeUser(db, name, actorOf(principalOf(c)));
      forget(name);
      return c.body(null, 204);
    });
}

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z
    .string()
    .refine(
      (s) => /^[1-9]\d{0,17}$/.test(s) || !Number.isNaN(Date.parse(s)),
      'before: a row id or an ISO 8601 time',
    )
    .optional(),
  actor: z.string().min(1).max(200).optional(),
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/, 'action looks like scenario.publish')
    .optional(),
});

/** `GET /api/audit?limit&before&actor&action` (admin): `{entries: [{id, at, actor, role, action, target_type, target_id, details}], next}`. */
export function auditRoutes({ db }: { db: Kysely<Database> }) {
  return new Hono().get('/', valid('query', AuditQuery), async (c) => {
    const q = c.req.valid('query');
    const before =
      q.before === undefined
        ? undefined
        : /^\d+$/.test(q.before)
          ? { id: q.before }
          : { at: new Date(q.before) };
    const entries = await listAudit(db, {
      limit: q.limit,
      before,
      actor: q.actor,
      action: q.action,
    });
    const next = entries.length === q.limit ? entries.at(-1)!.id : null;
    return c.json({ entries, next });
  });
}
