import type { Role, SessionResponse } from '../../../common/api-types';
import { api, ApiRequestError } from './api';

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
    return api.authHeaders();
  }

  async load(): Promise<void> {
    try {
      const body = await api.get<SessionResponse>('/api/session');
      this.user = body.user;
      api.setCsrf(body.csrf);
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
      await api.post('/api/session', { username, password });
      location.reload();
    } catch (error) {
      const status = error instanceof ApiRequestError ? error.status : -1;
      this.error =
        status === 401
          ? 'Wrong user name or password.'
          : status === 0
            ? 'The twin server cannot be reached.'
            : `Sign-in failed (${status}).`;
      this.busy = false;
    }
  }

  async signOut(): Promise<void> {
    this.busy = true;
    await api.delete('/api/session').catch(() => undefined);
    location.reload();
  }
}

export const session = new Session();
