import type { Role, SessionResponse } from '../../../common/api-types';

const ORDER: Role[] = ['public', 'planner', 'gis', 'admin'];

/**
 * Who is signed in (issue #9), from `GET /api/session`, and the CSRF token every unsafe request
 * sends as `X-CSRF-Token`. Signing in or out reloads the page: the map then asks for what the
 * new role may see, and nothing fetched for a staff member stays in memory after sign-out.
 */
export class Session {
  user = $state.raw<SessionResponse['user']>(null);
  oidc = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  busy = $state(false);
  #csrf: string | null = null;

  /** The role of the page's user; `public` when nobody is signed in. */
  get role(): Role {
    return this.user?.role ?? 'public';
  }

  /** True when the signed-in user has at least `role`. */
  can(role: Role): boolean {
    return ORDER.indexOf(this.role) >= ORDER.indexOf(role);
  }

  /** Headers for an unsafe request made with the session cookie. */
  headers(): Record<string, string> {
    return this.#csrf ? { 'X-CSRF-Token': this.#csrf } : {};
  }

  async load(): Promise<void> {
    try {
      const res = await fetch('/api/session', { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`${res.status}`);
      const body = (await res.json()) as SessionResponse;
      this.user = body.user;
      this.#csrf = body.csrf;
      this.oidc = body.oidc ?? false;
    } catch {
      this.user = null;
    } finally {
      this.loaded = true;
    }
  }

  async signIn(username: string, password: string): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      const res = await fetch('/api/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (res.status === 401) throw new Error('Wrong user name or password.');
      if (!res.ok) throw new Error(`Sign-in failed (${res.status}).`);
      location.reload();
    } catch (error) {
      this.error = error instanceof TypeError ? 'The twin server cannot be reached.' : (error as Error).message;
      this.busy = false;
    }
  }

  async signOut(): Promise<void> {
    this.busy = true;
    await fetch('/api/session', { method: 'DELETE', headers: this.headers() }).catch(() => undefined);
    location.reload();
  }
}

export const session = new Session();
