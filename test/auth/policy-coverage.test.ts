import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY } from '../../server/auth/policy';
import { registeredRoutes } from '../support/routes';
import { createTestTwin, type TestTwin } from '../support/twin';

describe('the policy table', () => {
  let twin: TestTwin;
  beforeAll(async () => {
    // With single sign-on configured, so its routes are registered too (nothing is contacted).
    twin = await createTestTwin('pglite', {
      TWIN_OIDC_ISSUER: 'http://127.0.0.1:9/oidc',
      TWIN_OIDC_CLIENT_ID: 'twin',
      TWIN_OIDC_CLIENT_SECRET: 'secret',
    });
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('has an entry for every route the app registers', () => {
    const missing = registeredRoutes(twin).filter((key) => !POLICY[key]);
    expect(missing, 'routes without a policy entry in server/auth/policy.ts').toEqual([]);
  });

  it('has no entry for a route that does not exist', () => {
    const routes = new Set(registeredRoutes(twin));
    expect(Object.keys(POLICY).filter((key) => !routes.has(key))).toEqual([]);
  });

  it('refuses a route that has no entry, even for an admin', async () => {
    twin.app.get('/api/unlisted', (c) => c.json({ leaked: true }));
    const res = await twin.app.request('/api/unlisted', { headers: await twin.as('admin') });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});
