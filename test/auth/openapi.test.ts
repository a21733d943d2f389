import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY } from '../../server/auth/policy';
import { openApiPath } from '../../server/openapi-routes';
import { registeredRoutes } from '../support/routes';
import { createTestTwin, type TestTwin } from '../support/twin';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the OpenAPI document and reference page', () => {
  let twin: TestTwin;
  let doc: Json;
  beforeAll(async () => {
    twin = await createTestTwin('pglite');
    const res = await twin.app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    doc = (await res.json()) as Json;
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('is OpenAPI 3.1 with every API route and the role each needs', () => {
    expect(doc.openapi).toBe('3.1.0');
    const api = registeredRoutes(twin).filter((r) => !POLICY[r]!.internal);
    expect(api.length).toBeGreaterThan(50);
    for (const route of api) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc.paths[openApiPath(path!)]?.[method.toLowerCase()];
      expect(op, route).toBeDefined();
      expect(op['x-required-role'], route).toBe(POLICY[route]!.access);
      expect(op.summary, route).toBeTruthy();
    }
    expect(doc.paths['/api/scenarios/{id}'].delete.security).toEqual([
      { session: [] },
      { token: [] },
    ]);
    expect(doc.paths['/api/ingest/readings'].post.security).toEqual([{ ingestKey: [] }]);
    expect(doc.paths['/api/scenarios/{id}'].get.description).toMatch(/404/);
    expect(doc.paths['/']).toBeUndefined();
  });

  it('writes paths as OpenAPI templates, with the routes of imports, exports and 3D buildings (issues #10, #15)', () => {
    // `{name}` segments only: no Hono `:param` or `{regex}` left in a path.
    for (const path of Object.keys(doc.paths))
      expect(path, path).toMatch(/^(\/([A-Za-z0-9_.-]+|\{[A-Za-z0-9_]+\}))+$|^\/$/);
    const del = doc.paths['/api/datasets/{id}'].delete;
    expect(del['x-required-role']).toBe('gis');
    expect(del.parameters).toContainEqual({
      name: 'id',
      in: 'path',
      required: true,
      schema: { type: 'string', pattern: '^[0-9]+$' },
    });
    expect(doc.paths['/api/datasets/{id}/export'].get['x-required-role']).toBe('gis');
    const layer = doc.paths['/api/layers/{name}/export'].get;
    expect(layer['x-required-role']).toBe('public');
    expect(layer.description).toMatch(/staff layers: 401 anonymous/);
    expect(doc.paths['/api/buildings/surfaces'].get.description).toMatch(/as the buildings layer/);
  });

  it('carries the request schemas from the routes\u2019 zod validators', () => {
    const create = doc.paths['/api/scenarios'].post.requestBody.content['application/json'].schema;
    expect(create.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
    expect(create.required).toEqual(['name']);
    const signIn = doc.paths['/api/session'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(signIn.properties)).toEqual(['username', 'password']);
    const edit =
      doc.paths['/api/scenarios/{id}/edits'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(edit)).toMatch(/add_building/);
    const audit = doc.paths['/api/audit'].get.parameters.map((p: Json) => p.name);
    expect(audit).toEqual(expect.arrayContaining(['limit', 'before', 'actor', 'action']));
  });

  it('lists limit and cursor on every paginated list, and every query of a validated route (issue #13)', () => {
    const names = (path: string) =>
      (doc.paths[path].get.parameters ?? []).map((p: Json) => `${p.in}:${p.name}`);
    for (const list of [
      '/api/scenarios',
      '/api/datasets',
      '/api/users',
      '/api/users/directory',
      '/api/tokens',
      '/api/alerts',
    ])
      expect(names(list), list).toEqual(expect.arrayContaining(['query:limit', 'query:cursor']));
    expect(names('/api/labels')).toEqual(expect.arrayContaining(['query:bbox', 'query:zoom']));
    expect(names('/api/sensors')).toEqual(expect.arrayContaining(['query:kind', 'query:bbox']));
    expect(names('/api/scenarios/{id}/export')).toEqual(
      expect.arrayContaining(['path:id', 'query:format']),
    );
    // Streamed uploads: the multipart form and its fields, from the schema the route checks.
    const upload = doc.paths['/api/datasets'].post.requestBody.content['multipart/form-data'];
    expect(upload.schema.required).toEqual(['file', 'layer']);
    expect(upload.schema.properties.file).toEqual({ type: 'string', format: 'binary' });
    expect(upload.schema.properties.mode.enum).toEqual(['replace', 'append', 'upsert']);
    expect(
      doc.paths['/api/datasets/preview'].post.requestBody.content['multipart/form-data'].schema
        .properties.format.enum,
    ).toContain('geojson');
  });

  it('has no two paths that differ only in the names of their parameters', () => {
    const shapes = new Map<string, string>();
    for (const path of Object.keys(doc.paths)) {
      const shape = path.replace(/\{[^}]+\}/g, '{}');
      expect(shapes.get(shape), `${path} clashes with ${shapes.get(shape)}`).toBeUndefined();
      shapes.set(shape, path);
    }
    // Import jobs (UUIDs) and datasets (numeric ids) share /api/datasets/{id}.
    expect(Object.keys(doc.paths['/api/datasets/{id}']).sort()).toEqual(['delete', 'get']);
  });

  it('serves the reference page and its scripts from our own origin', async () => {
    const page = await (await twin.app.request('/api/docs')).text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref.startsWith('/api/docs/'), ref).toBe(true);
      const res = await twin.app.request(ref);
      expect(res.status, ref).toBe(200);
    }
    expect(
      (await twin.app.request('/api/docs/swagger-ui-bundle.js')).headers.get('Content-Type'),
    ).toMatch(/javascript/);
    expect((await twin.app.request('/api/docs/..%2Fpackage.json')).status).toBe(404);
    expect((await twin.app.request('/api/docs/index.html')).status).toBe(404);
  });
});
