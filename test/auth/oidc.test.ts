import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUser } from '../support/auth';
import { createTestTwin, type TestTwin } from '../support/twin';

/** The provider's people: their preferred user name and groups (the role claim). */
const ACCOUNTS: Record<string, { username: string; groups: string[] }> = {
  'sub-alice': { username: 'alice', groups: ['staff', 'planners'] },
  'sub-bob': { username: 'bob', groups: ['planners', 'it-admins'] },
  'sub-carol': { username: 'carol', groups: ['visitors'] },
  'sub-dave': { username: 'dave', groups: ['gis-team'] },
};

const TWIN = 'http://twin.test';
const SECRET = 'oidc-test-client-secret-0123456789';

/** Cookies per host, as a browser keeps them (name=value only; enough for both servers). */
class CookieJar {
  readonly #jar = new Map<string, Map<string, string>>();
  store(url: string, res: Response): void {
    const host = new URL(url).host;
    const cookies = this.#jar.get(host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /Max-Age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    this.#jar.set(host, cookies);
  }
  header(url: string): string {
    return [...(this.#jar.get(new URL(url).host) ?? new Map<string, string>())]
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
  }
}

/**
 * Single sign-on against a real OpenID provider (`oidc-provider` 8) started in this test: the
 * authorization code flow with PKCE, driven the way a browser follows redirects.
 */
describe('OpenID Connect sign-in', () => {
  let server: Server;
  let issuer: string;
  let twin: TestTwin;
  /** Which account the provider's login step signs in as. */
  let who = 'sub-alice';

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'twin',
          client_secret: SECRET,
          redirect_uris: [`${TWIN}/auth/oidc/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
      scopes: ['openid', 'profile', 'groups'],
      cookies: { keys: ['oidc-test-cookie-key'] },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: async (_ctx, id) => ({
        accountId: id,
        claims: async () => ({
          sub: id,
          preferred_username: ACCOUNTS[id]!.username,
          groups: ACCOUNTS[id]!.groups,
        }),
      }),
    });
    const callback = provider.callback();
    // The login and consent step: signs in as `who` and grants what the twin asked for.
    server.on('request', (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({
          accountId: who,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: who }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    twin = await createTestTwin('pglite', {
      TWIN_OIDC_ISSUER: issuer,
      TWIN_OIDC_CLIENT_ID: 'twin',
      TWIN_OIDC_CLIENT_SECRET: SECRET,
      TWIN_OIDC_ROLE_CLAIM: 'groups',
      TWIN_OIDC_ROLES: 'planners=planner,gis-team=gis,it-admins=admin',
      TWIN_OIDC_SCOPES: 'openid profile groups',
    });
  });
  afterAll(async () => {
    await twin?.dispose();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  /** Follows redirects from `/auth/oidc/login` through the provider and back; returns the jar. */
  async function signInAs(account: string, tamper?: (url: URL) => void) {
    who = account;
    const jar = new CookieJar();
    let url = `${TWIN}/auth/oidc/login?return=/%3Fsigned-in`;
    const seen: string[] = [];
    for (let hop = 0; hop < 12; hop++) {
      seen.push(url);
      const init = { redirect: 'manual' as const, headers: { Cookie: jar.header(url) } };
      const res = url.startsWith(TWIN) ? await twin.app.request(url, init) : await fetch(url, init);
      jar.store(url, res);
      const location = res.headers.get('Location');
      // The twin's callback answers last: its redirect goes back into the app.
      if (
        res.status < 300 ||
        res.status >= 400 ||
        !location ||
        new URL(url).pathname === '/auth/oidc/callback'
      )
        return { jar, res, seen };
      const next = new URL(location, url);
      if (next.pathname === '/auth/oidc/callback') tamper?.(next);
      url = next.href;
    }
    throw new Error(`too many redirects: ${seen.join(' → ')}`);
  }

  const session = async (jar: CookieJar) =>
    (await (
      await twin.app.request(`${TWIN}/api/session`, { headers: { Cookie: jar.header(TWIN) } })
    ).json()) as { user: { name: string; role: string } | null; oidc: boolean };

  it('signs in through the provider with PKCE and takes the role from the groups claim', async () => {
    const { jar, res, seen } = await signInAs('sub-alice');
    expect(res.status).toBe(302);
    expect(res.headers.get('Location')).toBe('/?signed-in');
    const authorize = new URL(seen[1]!);
    expect(authorize.origin).toBe(issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(await session(jar)).toEqual({
      user: { name: 'alice', role: 'planner' },
      csrf: expect.any(String),
      oidc: true,
    });
    // The session is a real one: a planner may create a scenario with it.
    const me = (await (
      await twin.app.request(`${TWIN}/api/session`, { headers: { Cookie: jar.header(TWIN) } })
    ).json()) as { csrf: string };
    const created = await twin.app.request(`${TWIN}/api/scenarios`, {
      method: 'POST',
      headers: {
        Cookie: jar.header(TWIN),
        'X-CSRF-Token': me.csrf,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 'From SSO' }),
    });
    expect(created.status).toBe(201);
    const user = await twin.backend.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(user).toMatchObject({
      role: 'planner',
      password_hash: null,
      oidc_subject: `${issuer}|sub-alice`,
    });
  });

  it('maps the highest matching group, and anyone without one to public', async () => {
    expect((await session((await signInAs('sub-bob')).jar)).user).toEqual({
      name: 'bob',
      role: 'admin',
    });
    const carol = (await signInAs('sub-carol')).jar;
    expect((await session(carol)).user).toEqual({ name: 'carol', role: 'public' });
    const refused = await twin.app.request(`${TWIN}/api/alerts`, {
      headers: { Cookie: carol.header(TWIN) },
    });
    expect(refused.status).toBe(403);
  });

  it('follows the claim on the next sign-in, and never takes over a local account of the same name', async () => {
    ACCOUNTS['sub-alice']!.groups = ['gis-team'];
    expect((await session((await signInAs('sub-alice')).jar)).user).toEqual({
      name: 'alice',
      role: 'gis',
    });
    await ensureUser(twin.backend.db, 'dave', 'admin');
    const dave = (await session((await signInAs('sub-dave')).jar)).user!;
    expect(dave.name).toMatch(/^dave-[0-9a-f]{6}$/);
    expect(dave.role).toBe('gis');
  });

  it('refuses a callback whose state does not match the sign-in that started it', async () => {
    const { res, jar } = await signInAs('sub-bob', (callback) =>
      callback.searchParams.set('state', 'forged'),
    );
    expect(res.status).toBe(400);
    expect((await session(jar)).user).toBeNull();
    const noFlow = await twin.app.request(`${TWIN}/auth/oidc/callback?code=x&state=y`);
    expect(noFlow.status).toBe(400);
  });

  it('refuses a return address off this twin', async () => {
    const res = await twin.app.request(`${TWIN}/auth/oidc/login?return=//evil.example/`, {
      redirect: 'manual',
    });
    const flow = JSON.parse(
      Buffer.from(
        /twin_oidc=([^;]+)/.exec(res.headers.get('Set-Cookie')!)![1]!,
        'base64url',
      ).toString(),
    ) as { returnTo: string };
    expect(flow.returnTo).toBe('/');
  });
});
