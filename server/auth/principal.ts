import type { Context } from 'hono';
import type { Role } from './roles';
import { isStaffRole } from './roles';

/** A signed-in account as requests carry it. */
export interface AuthUser {
  id: string;
  name: string;
  role: Role;
}

/**
 * Who is calling, resolved once per request by the guard (server/auth/guard.ts):
 * - `anonymous`: no credentials (the public);
 * - `user`: a session cookie or an API token acting as an account;
 * - `ingest`: an ingest key (sensor ingest only);
 * - `metrics`: the `TWIN_METRICS_TOKEN` bearer (only `GET /metrics`).
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: AuthUser; via: 'session'; sessionHash: string; csrf: string }
  | { kind: 'user'; user: AuthUser; via: 'token'; tokenId: string }
  | { kind: 'ingest' }
  | { kind: 'metrics' };

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The caller of this request (anonymous when the guard did not run, e.g. in unit tests). */
export const principalOf = (c: Context): Principal => c.get('principal') ?? ANONYMOUS;

/** The caller's role: an account's role, else `public`. */
export const roleOf = (p: Principal): Role => (p.kind === 'user' ? p.user.role : 'public');

/** Staff see staff layers, utility sensors, alerts and maintenance risk. */
export const isStaff = (p: Principal): boolean => isStaffRole(roleOf(p));

/**
 * What resource-level rules (scenario ownership and sharing) need of the caller; services take
 * this, never a Hono context.
 */
export interface Viewer {
  userId: string | null;
  name: string | null;
  role: Role;
}

export function viewerOf(p: Principal): Viewer {
  return p.kind === 'user'
    ? { userId: p.user.id, name: p.user.name, role: p.user.role }
    : { userId: null, name: null, role: 'public' };
}

/** Who an audit row names. */
export interface Actor {
  name: string | null;
  role: string;
}

export function actorOf(p: Principal): Actor {
  if (p.kind === 'user') return { name: p.user.name, role: p.user.role };
  return { name: null, role: p.kind === 'anonymous' ? 'public' : p.kind };
}

/** The command line (`npm run users`, `npm run import`) acting with database access. */
export const CLI_ACTOR: Actor = { name: 'cli', role: 'system' };
