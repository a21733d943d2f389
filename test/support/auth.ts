import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { AccountRole } from '../../server/auth/roles';
import { TokenStore } from '../../server/auth/token-store';
import { addUser, findUser } from '../../server/auth/user-store';

const TEST_ACTOR = { name: 'test-setup', role: 'system' };

/** A password every test account gets (≥ 12 characters, the twin's rule). */
export const TEST_PASSWORD = 'correct horse battery';

/** Creates the account when missing (with TEST_PASSWORD). */
export async function ensureUser(
  db: Kysely<Database>,
  name: string,
  role: AccountRole,
): Promise<void> {
  if (await findUser(db, name)) return;
  await addUser(db, { name, role, password: TEST_PASSWORD }, TEST_ACTOR);
}

/**
 * `Authorization: Bearer` headers of a fresh API token acting as `name` (created with `role`
 * when missing) — the same tokens `npm run users -- token` makes.
 */
export async function tokenHeaders(
  db: Kysely<Database>,
  name: string,
  role: AccountRole,
): Promise<Record<string, string>> {
  await ensureUser(db, name, role);
  const user = (await findUser(db, name))!;
  const { token } = await new TokenStore(db).create(
    db,
    { id: String(user.id), name },
    'test',
    TEST_ACTOR,
  );
  return { Authorization: `Bearer ${token}` };
}

/** A browser-style session: the cookie and CSRF token `POST /api/session` hands out. */
export interface TestSession {
  cookie: string;
  csrf: string;
  /** Headers for a request with this session: the cookie, plus X-CSRF-Token and our Origin. */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** Signs in through `POST /api/session` as a browser would. */
export async function signIn(
  request: (path: string, init: RequestInit) => Response | Promise<Response>,
  name: string,
  password = TEST_PASSWORD,
): Promise<TestSession> {
  const res = await request('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: name, password }),
  });
  if (res.status !== 200)
    throw new Error(`sign-in of ${name} answered ${res.status}: ${await res.text()}`);
  const { csrf } = (await res.json()) as { csrf: string };
  const cookie = /twin_session=([^;]+)/.exec(res.headers.get('Set-Cookie') ?? '')?.[1];
  if (!cookie) throw new Error('sign-in set no twin_session cookie');
  return {
    cookie,
    csrf,
    headers: (extra = {}) => ({ Cookie: `twin_session=${cookie}`, 'X-CSRF-Token': csrf, ...extra }),
  };
}
