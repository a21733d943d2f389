import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import type { OpenAPIV3_1 } from 'openapi-types';
import { POLICY, policyKey, type RoutePolicy } from './auth/policy';
import { ApiError } from './errors';

/** The reference page's files, from swagger-ui-dist (served by us: no CDN). */
const DOC_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const SWAGGER_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>City twin API</title><link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="api"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#api', deepLinking: true });\n`;

const ERROR_SCHEMA: OpenAPIV3_1.SchemaObject = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};
const errorResponse = (description: string): OpenAPIV3_1.ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const SECURITY: Record<RoutePolicy['access'], OpenAPIV3_1.SecurityRequirementObject[]> = {
  public: [{}, { session: [] }, { token: [] }],
  'signed-in': [{ session: [] }, { token: [] }],
  planner: [{ session: [] }, { token: [] }],
  gis: [{ session: [] }, { token: [] }],
  admin: [{ session: [] }, { token: [] }],
  ingest: [{ ingestKey: [] }],
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A Hono path parameter, `:name` with an optional `{regex}` (e.g. `:id{[0-9]+}`). */
const PATH_PARAM = /:([A-Za-z0-9_]+)(?:\{((?:[^{}]|\{[^{}]*\})+)\})?/g;

/**
 * A Hono route path as an OpenAPI path template: `:name{regex}` → `{name}` (the regex becomes
 * the parameter's `pattern`), as hono-openapi writes the paths it generates.
 */
export const openApiPath = (path: string): string => path.replace(PATH_PARAM, '{$1}');
/**
 * The app's OpenAPI 3.1 document: operations and their zod schemas from the routes themselves
 * (hono-openapi reads the validators), each operation's required role, summary and scope from
 * the policy table. Every route with a policy entry appears, validated or not.
 */
export async function openApiDocument(app: Hono): Promise<OpenAPIV3_1.Document> {
  const spec = (await generateSpecs(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'City twin API',
        version: '0.1.0',
        description:
          'Roles, least first: public (anonymous) < planner < gis < admin. Each operation names the least role it needs ' +
          '(`x-required-role`); `ingest` means an ingest key. Browsers sign in with POST /api/session (cookie ' +
          '`twin_session`; send `X-CSRF-Token` on unsafe requests); scripts use `Authorization: Bearer <API token>`.',
      },
      components: {
        schemas: { Error: ERROR_SCHEMA },
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'twin_session',
            description: 'with header X-CSRF-Token on POST/PUT/PATCH/DELETE',
          },
          token: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API token (POST /api/tokens, npm run users -- token)',
          },
          ingestKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'an ingest key (npm run keys)',
          },
        },
      },
    },
    defaultValidationErrorResponse: errorResponse('Invalid request'),
  })) as OpenAPIV3_1.Document;
  const paths: OpenAPIV3_1.PathsObject = spec.paths ?? {};
  const seen = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const key = policyKey(route.method, route.path);
    const entry = POLICY[key];
    if (!entry || entry.internal || seen.has(key)) continue;
    seen.add(key);
    const method = route.method.toLowerCase() as (typeof METHODS)[number];
    if (!METHODS.includes(method)) continue;
    const path = openApiPath(route.path);
    const item = (paths[path] ??= {});
    const op = (item[method] ??= { responses: {} }) as OpenAPIV3_1.OperationObject;
    op.summary ??= entry.summary;
    if (entry.scope) op.description = `Who sees what: ${entry.scope}.`;
    (op as Record<string, unknown>)['x-required-role'] = entry.access;
    op.tags = [
      route.path
        .split('/')
        .filter(Boolean)
        .slice(0, route.path.startsWith('/api/') ? 2 : 1)
        .join('/') || 'app',
    ];
    op.security = entry.metricsToken
      ? [...SECURITY[entry.access], { token: [] }]
      : SECURITY[entry.access];
    op.parameters ??= [];
    for (const [, name, pattern] of route.path.matchAll(PATH_PARAM)) {
      const has = op.parameters.some((p) => 'name' in p && p.name === name && p.in === 'path');
      if (!has)
        op.parameters.push({
          name: name!,
          in: 'path',
          required: true,
          schema: { type: 'string', ...(pattern ? { pattern: `^${pattern}$` } : {}) },
        });
    }
    op.responses ??= {};
    if (Object.keys(op.responses).filter((s) => s.startsWith('2')).length === 0)
      op.responses['200'] = { description: 'OK' };
    if (entry.access !== 'public') {
      op.responses['401'] ??= errorResponse('No credentials, or invalid ones');
      op.responses['403'] ??= errorResponse(`Signed in, but below ${entry.access}`);
    }
  }
  spec.paths = paths;
  return spec;
}

/** `/api/openapi.json` and the reference page `/api/docs` (swagger-ui, from our origin). */
export function openApiRoutes(getApp: () => Hono) {
  let doc: Promise<OpenAPIV3_1.Document> | undefined;
  return new Hono()
    .get('/openapi.json', async (c) => {
      doc ??= openApiDocument(getApp());
      c.header('Cache-Control', 'no-cache');
      return c.json(await doc);
    })
    .get('/docs', (c) => c.html(PAGE))
    .get('/docs/:file', (c) => {
      const file = c.req.param('file');
      if (file === 'init.js') {
        c.header('Content-Type', 'text/javascript; charset=utf-8');
        return c.body(INIT);
      }
      const type = DOC_FILES[file];
      if (!type) throw new ApiError(404, 'not_found', 'no such file');
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(readFileSync(join(SWAGGER_DIR, file)));
    });
}
