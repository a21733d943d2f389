import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends';
import { ensureUser, signIn, TEST_PASSWORD, type TestSession } from '../support/auth';
import { createTestTwin, type TestTwin } from '../support/twin';

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe.each(BACKENDS)('sessions and CSRF on %s', (kind) => {
  let twin: TestTwin;
  let session: TestSession;
  const request = (path: string, init: RequestInit = {}) => twin.app.request(path, init);

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_SESSION_HOURS: '0.001' });
    await ensureUser(twin.backend.db, 'alice', 'planner');
    await ensureUser(twin.backend.db, 'root', 'admin');
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('signs in with user name and password: the user, a CSRF token and an HttpOnly Lax cookie', async () => {
    const res = await request('/api/session', json({ username: 'alice', password: TEST_PASSWORD }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: unknown; csrf: string };
    expect(body).toEqual({
      user: { name: 'alice', role: 'planner' },
      csrf: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const cookie = res.headers.get('Set-Cookie')!;
    expect(cookie).toMatch(/^twin_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=4/);
    expect(cookie).not.toMatch(/Secure/);
    // The database keeps the SHA-256 of the cookie value, never the value.
    const value = /twin_session=([^;]+)/.exec(cookie)![1]!;
    const rows = await twin.backend.db.selectFrom('sessions').select('id_hash').execute();
    expect(rows.some((r) => r.id_hash.includes(value))).toBe(false);
    expect(rows).toHaveLength(1);

    session = await signIn(request, 'alice');
    const me = await (
      await request('/api/session', { headers: { Cookie: `twin_session=${session.cookie}` } })
    ).json();
    expect(me).toEqual({
      user: { name: 'alice', role: 'planner' },
      csrf: session.csrf,
      oidc: false,
    });
    expect(await (await request('/api/session')).json()).toEqual({
      user: null,
      csrf: null,
      oidc: false,
    });
  });

  it('answers an unknown user and a wrong password with the same 401', async () => {
    const unknown = await request(
      '/api/session',
      json({ username: 'mallory', password: TEST_PASSWORD }),
    );
    const wrong = await request(
      '/api/session',
      json({ username: 'alice', password: 'not the password' }),
    );
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.text()).toBe(await wrong.text());
    expect(unknown.headers.get('Set-Cookie')).toBeNull();
  });

  it('refuses a cookie-authenticated unsafe request without the CSRF token, or from another origin', async () => {
    const s = await signIn(request, 'alice');
    const cookie = { Cookie: `twin_session=${s.cookie}` };
    const count = async () =>
      (await twin.backend.db.selectFrom('scenarios').select('id').execute()).length;
    const before = await count();

    const missing = await request('/api/scenarios', json({ name: 'no token' }, cookie));
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /X-CSRF-Token/,
    );
    expect(
      (
        await request(
          '/api/scenarios',
          json({ name: 'wrong token' }, { ...cookie, 'X-CSRF-Token': 'x'.repeat(43) }),
        )
      ).status,
    ).toBe(403);
    const foreign = await request(
      '/api/scenarios',
      json({ name: 'foreign' }, s.headers({ Origin: 'https://evil.example' })),
    );
    expect(foreign.status).toBe(403);
    // What a cross-site HTML form sends: text/plain, the browser's cookie, no custom header.
    const form = await request('/api/scenarios', {
      method: 'POST',
      headers: { ...cookie, 'Content-Type': 'text/plain', Origin: 'https://evil.example' },
      body: '{"name":"csrf"}',
    });
    expect(form.status).toBe(403);
    const deleteForm = await request('/api/session', {
      method: 'DELETE',
      headers: { ...cookie, Origin: 'https://evil.example' },
    });
    expect(deleteForm.status).toBe(403);
    expect(await count()).toBe(before);

    // Same origin (or no Origin header) with the token: accepted.
    expect(
      (
        await request(
          'http://localhost/api/scenarios',
          json({ name: 'ok' }, s.headers({ Origin: 'http://localhost' })),
        )
      ).status,
    ).toBe(201);
    expect((await request('/api/scenarios', json({ name: 'ok too' }, s.headers()))).status).toBe(
      201,
    );
    expect(await count()).toBe(before + 2);
  });

  it('needs neither for a bearer token', async () => {
    const res = await request(
      '/api/scenarios',
      json({ name: 'scripted' }, { ...(await twin.as('planner')), Origin: 'https://ci.example' }),
    );
    expect(res.status).toBe(201);
  });

  it('signs out: the session is revoked and the cookie cleared', async () => {
    const s = await signIn(request, 'alice');
    const out = await request('/api/session', { method: 'DELETE', headers: s.headers() });
    expect(out.status).toBe(204);
    expect(out.headers.get('Set-Cookie')).toMatch(/twin_session=;.*Max-Age=0/);
    expect(await (await request('/api/session', { headers: s.headers() })).json()).toMatchObject({
      user: null,
    });
    expect((await request('/api/scenarios', json({ name: 'after' }, s.headers()))).status).toBe(
      401,
    );
  });

  it('revokes every session of a user whose password an admin resets', async () => {
    const s = await signIn(request, 'alice');
    const reset = await request('/api/users/alice', {
      ...json({ reset_password: true }, await twin.as('admin')),
      method: 'PATCH',
    });
    expect(reset.status).toBe(200);
    const { password } = (await reset.json()) as { password: string };
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await (await request('/api/session', { headers: s.headers() })).json()).toMatchObject({
      user: null,
    });
    await signIn(request, 'alice', password);
  });

  it('expires a session after TWIN_SESSION_HOURS', async () => {
    const s = await signIn(request, 'root');
    expect(await (await request('/api/session', { headers: s.headers() })).json()).toMatchObject({
      user: { name: 'root' },
    });
    // 0.001 h = 3.6 s.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await (await request('/api/session', { headers: s.headers() })).json()).toMatchObject({
      user: null,
    });
  });

  it('marks the cookie Secure when the twin is served over https', async () => {
    const secure = await createTestTwin(kind, { TWIN_PUBLIC_URL: 'https://twin.example.org' });
    try {
      await ensureUser(secure.backend.db, 'alice', 'planner');
      const res = await secure.app.request(
        '/api/session',
        json({ username: 'alice', password: TEST_PASSWORD }),
      );
      expect(res.headers.get('Set-Cookie')).toMatch(/; Secure/);
      const { csrf } = (await res.json()) as { csrf: string };
      const cookie = /twin_session=([^;]+)/.exec(res.headers.get('Set-Cookie')!)![1]!;
      const headers = { Cookie: `twin_session=${cookie}`, 'X-CSRF-Token': csrf };
      // The public URL's origin is the twin's own, whatever Host the request came in with.
      expect(
        (
          await secure.app.request(
            '/api/scenarios',
            json({ name: 'x' }, { ...headers, Origin: 'https://twin.example.org' }),
          )
        ).status,
      ).toBe(201);
      expect(
        (
          await secure.app.request(
            '/api/scenarios',
            json({ name: 'x' }, { ...headers, Origin: 'http://localhost' }),
          )
        ).status,
      ).toBe(403);
    } finally {
      await secure.dispose();
    }
  });
});
