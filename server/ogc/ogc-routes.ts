import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Feature } from 'geojson';
import type { LayerDefinition } from '../../tiles/catalog';
import type { TileService } from '../../tiles/tile-service';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { assertLayersVisible, visibleLayers } from '../auth/layer-access';
import { principalOf } from '../auth/principal';
import { CRS84, OGC_CRSS, STORAGE_CRS, parseCrs } from './ogc-crs';
import {
  ExtentCache,
  propertyNames,
  queryItem,
  queryItems,
  temporalProperty,
} from './ogc-features';
import {
  htmlLinks,
  htmlPage,
  htmlTable,
  htmlValue,
  htmlEscape,
  negotiate,
  type OgcFormat,
  type OgcLink,
} from './ogc-format';
import { DEFAULT_LIMIT, MAX_LIMIT, parseItemsQuery, queryables } from './ogc-params';

export interface OgcRoutesOptions {
  db: Kysely<Database>;
  tiles: TileService;
}

/** Conformance classes, each proven by test/ogc/*.test.ts (OpenAPI 3.0 is not: ours is 3.1). */
export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
] as const;

const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
const HTML = 'text/html';
export const REL_TILESETS_VECTOR = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector';

/** The base of every link: `TWIN_PUBLIC_URL` when set (behind a proxy), else the request's origin. */
export const ogcBase = (c: Context, publicUrl?: string) =>
  `${publicUrl ?? new URL(c.req.url).origin}/ogc`;

/** The request's URL with `f` set (and other parameters changed), as a link's href. */
function withParams(c: Context, base: string, set: Record<string, string | undefined>): string {
  const url = new URL(c.req.url);
  const out = new URL(`${base}${url.pathname.replace(/^\/ogc/, '')}`);
  url.searchParams.forEach((v, k) => out.searchParams.append(k, v));
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) out.searchParams.delete(k);
    else out.searchParams.set(k, v);
  }
  return out.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%2F/g, '/');
}

/** self + alternate links of a resource in JSON (of `type`) and HTML. */
function selfLinks(c: Context, base: string, f: OgcFormat, type: string, title: string): OgcLink[] {
  const json: OgcLink = {
    href: withParams(c, base, { f: 'json' }),
    type,
    title: `${title} as JSON`,
  } as OgcLink;
  const html: OgcLink = {
    href: withParams(c, base, { f: 'html' }),
    type: HTML,
    title: `${title} as HTML`,
  } as OgcLink;
  return f === 'json'
    ? [
        { ...json, rel: 'self' },
        { ...html, rel: 'alternate' },
      ]
    : [
        { ...html, rel: 'self' },
        { ...json, rel: 'alternate' },
      ];
}

/** Staff collections' answers stay in the caller's own cache. */
function cacheHeaders(c: Context, layers: readonly LayerDefinition[]) {
  c.header(
    'Cache-Control',
    layers.some((l) => l.access !== 'public') ? 'private, no-cache' : 'no-cache',
  );
  c.header('Vary', 'Accept, Cookie, Authorization');
}

/** The layer of `:collectionId`: 404 when unknown, 401/403 for a staff layer (as the tile routes). */
export function collectionOf(c: Context, tiles: TileService): LayerDefinition {
  const id = c.req.param('collectionId') ?? '';
  const layer = tiles.catalog.get(id);
  if (!layer)
    throw new ApiError(
      404,
      'not_found',
      `no collection${/^[a-z0-9_]{1,64}$/.test(id) ? ` ${id}` : ''}`,
    );
  assertLayersVisible(principalOf(c), [layer]);
  return layer;
}

/**
 * OGC API – Features Part 1 (core, GeoJSON, HTML) and Part 2 (CRS) over the tile catalogue's
 * layers (issue #15), at `/ogc`:
 *   GET /  · /conformance · /collections · /collections/{id} · /collections/{id}/items
 *   GET /collections/{id}/items/{featureId}
 * Collections are the layers the caller may see, as on the tile routes; geometry leaves in
 * CRS84 unless `crs` names another of the collection's CRSs (`Content-Crs` says which).
 */
export function ogcRoutes({ db, tiles }: OgcRoutesOptions, publicUrl?: string) {
  const extents = new ExtentCache(db);

  async function collectionDoc(c: Context, base: string, layer: LayerDefinition) {
    const versions = await tiles.versions.current();
    const extent = await extents.get(layer, versions.get(layer.versionKey) ?? '0');
    const href = `${base}/collections/${layer.name}`;
    const time = temporalProperty(layer);
    return {
      id: layer.name,
      title: layer.name.replace(/_/g, ' '),
      description: layer.description,
      itemType: 'feature',
      extent: {
        ...(extent.bbox ? { spatial: { bbox: [extent.bbox], crs: CRS84 } } : {}),
        ...(extent.years && time
          ? {
              temporal: {
                interval: [
                  [`${extent.years[0]}-01-01T00:00:00Z`, `${extent.years[1]}-12-31T23:59:59Z`],
                ],
                trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian',
              },
            }
          : {}),
      },
      crs: OGC_CRSS.map((x) => x.uri),
      storageCrs: STORAGE_CRS,
      links: [
        {
          href: `${href}?f=json`,
          rel: c.req.path.endsWith(`/collections/${layer.name}`) ? 'self' : 'collection',
          type: JSON_TYPE,
          title: layer.name,
        },
        { href: `${href}?f=html`, rel: 'alternate', type: HTML, title: `${layer.name} as HTML` },
        {
          href: `${href}/items?f=json`,
          rel: 'items',
          type: GEOJSON,
          title: `${layer.name} features`,
        },
        {
          href: `${href}/items?f=html`,
          rel: 'items',
          type: HTML,
          title: `${layer.name} features as HTML`,
        },
        {
          href: `${href}/tiles?f=json`,
          rel: REL_TILESETS_VECTOR,
          type: JSON_TYPE,
          title: `${layer.name} vector tiles`,
        },
      ],
      // Not in Part 1's schema: what `?prop=value` may filter on, and the property holding time.
      queryables: queryables(layer),
      ...(time ? { temporalProperty: time } : {}),
    };
  }

  return new Hono()
    .get('/', (c) => {
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      const base = ogcBase(c, publicUrl);
      const origin = base.slice(0, -'/ogc'.length);
      const links: OgcLink[] = [
        ...selfLinks(c, base, f, JSON_TYPE, 'This document'),
        {
          href: `${origin}/api/openapi.json`,
          rel: 'service-desc',
          type: 'application/vnd.oai.openapi+json;version=3.1',
          title: 'The API definition (OpenAPI 3.1)',
        },
        { href: `${origin}/api/docs`, rel: 'service-doc', type: HTML, title: 'The API reference' },
        {
          href: `${base}/conformance?f=json`,
          rel: 'conformance',
          type: JSON_TYPE,
          title: 'Conformance classes',
        },
        {
          href: `${base}/conformance?f=json`,
          rel: 'http://www.opengis.net/def/rel/ogc/1.0/conformance',
          type: JSON_TYPE,
          title: 'Conformance classes',
        },
        { href: `${base}/collections?f=json`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
        {
          href: `${base}/collections?f=json`,
          rel: 'http://www.opengis.net/def/rel/ogc/1.0/data',
          type: JSON_TYPE,
          title: 'Collections',
        },
        {
          href: `${base}/tileMatrixSets?f=json`,
          rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes',
          type: JSON_TYPE,
          title: 'Tile matrix sets',
        },
      ];
      const title = 'City twin';
      const description =
        "The city twin's layers as OGC API – Features and Tiles (QGIS: Layer › Add WFS / OGC API Features layer)";
      c.header('Cache-Control', 'no-cache');
      c.header('Vary', 'Accept');
      if (f === 'html')
        return c.html(htmlPage(title, `<p>${htmlEscape(description)}</p>${htmlLinks(links)}`));
      return c.json({ title, description, links });
    })
    .get('/conformance', (c) => {
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      const base = ogcBase(c, publicUrl);
      c.header('Cache-Control', 'no-cache');
      c.header('Vary', 'Accept');
      if (f === 'html')
        return c.html(
          htmlPage(
            'Conformance',
            `<ul>${CONFORMANCE.map((u) => `<li><code>${u}</code></li>`).join('')}</ul>`,
          ),
        );
      return c.json({
        conformsTo: CONFORMANCE,
        links: selfLinks(c, base, f, JSON_TYPE, 'Conformance'),
      });
    })
    .get('/collections', async (c) => {
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      const base = ogcBase(c, publicUrl);
      const layers = visibleLayers(principalOf(c), tiles.catalog);
      const collections = [];
      for (const layer of layers) collections.push(await collectionDoc(c, base, layer));
      cacheHeaders(c, layers);
      const links = selfLinks(c, base, f, JSON_TYPE, 'Collections');
      if (f === 'html') {
        const rows = collections.map((col) => [
          `<a href="${base}/collections/${col.id}?f=html">${htmlEscape(col.id)}</a>`,
          htmlEscape(col.description),
          col.extent.spatial ? htmlEscape(col.extent.spatial.bbox[0]!.join(', ')) : '',
        ]);
        return c.html(
          htmlPage('Collections', htmlTable(['collection', 'description', 'extent (CRS84)'], rows)),
        );
      }
      return c.json({ links, crs: OGC_CRSS.map((x) => x.uri), collections });
    })
    .get('/collections/:collectionId', async (c) => {
      const layer = collectionOf(c, tiles);
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      const doc = await collectionDoc(c, ogcBase(c, publicUrl), layer);
      cacheHeaders(c, [layer]);
      if (f === 'html') {
        const body = `<p>${htmlEscape(layer.description)}</p>${htmlTable(
          ['property', 'type', 'description'],
          Object.entries(layer.attributes).map(([k, a]) => [
            htmlEscape(k),
            a.type,
            htmlEscape(a.unit ? `${a.description} (${a.unit})` : a.description),
          ]),
        )}
<p>Extent (CRS84): ${doc.extent.spatial ? htmlEscape(doc.extent.spatial.bbox[0]!.join(', ')) : 'empty'}</p>${htmlLinks(doc.links)}`;
        return c.html(htmlPage(layer.name, body));
      }
      return c.json(doc);
    })
    .get('/collections/:collectionId/items', async (c) => {
      const layer = collectionOf(c, tiles);
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      const url = new URL(c.req.url);
      const q = parseItemsQuery(url, layer);
      const { matched, features } = await queryItems(db, layer, q);
      const base = ogcBase(c, publicUrl);
      const links: OgcLink[] = [
        ...selfLinks(c, base, f, GEOJSON, `${layer.name} features`),
        {
          href: `${base}/collections/${layer.name}?f=json`,
          rel: 'collection',
          type: JSON_TYPE,
          title: layer.name,
        },
      ];
      const fmt = f === 'json' ? 'json' : 'html';
      const type = f === 'json' ? GEOJSON : HTML;
      if (q.offset + features.length < matched) {
        links.push({
          href: withParams(c, base, {
            f: fmt,
            offset: String(q.offset + q.limit),
            limit: String(q.limit),
          }),
          rel: 'next',
          type,
          title: 'Next page',
        });
      }
      if (q.offset > 0) {
        links.push({
          href: withParams(c, base, {
            f: fmt,
            offset: q.offset > q.limit ? String(q.offset - q.limit) : undefined,
            limit: String(q.limit),
          }),
          rel: 'prev',
          type,
          title: 'Previous page',
        });
      }
      cacheHeaders(c, [layer]);
      c.header('Content-Crs', `<${q.crs.uri}>`);
      if (f === 'html')
        return c.html(
          htmlPage(
            `${layer.name}: features`,
            itemsHtml(base, layer, features, matched, q.offset, links),
          ),
        );
      const body = {
        type: 'FeatureCollection',
        numberMatched: matched,
        numberReturned: features.length,
        timeStamp: new Date().toISOString(),
        links,
        features,
      };
      return c.body(JSON.stringify(body), 200, { 'Content-Type': GEOJSON });
    })
    .get('/collections/:collectionId/items/:featureId', async (c) => {
      const layer = collectionOf(c, tiles);
      const f = negotiate(c.req.query('f'), c.req.header('Accept'));
      for (const k of new URL(c.req.url).searchParams.keys()) {
        if (k !== 'f' && k !== 'crs')
          throw new ApiError(
            400,
            'bad_request',
            `unknown parameter${/^[A-Za-z0-9_-]{1,64}$/.test(k) ? `: ${k}` : ''} (a feature takes f and crs)`,
          );
      }
      const crs = parseCrs(c.req.query('crs'), 'crs');
      const raw = c.req.param('featureId');
      const feature = /^[1-9][0-9]{0,17}$/.test(raw)
        ? await queryItem(db, layer, raw, crs)
        : undefined;
      if (!feature)
        throw new ApiError(
          404,
          'not_found',
          `no ${layer.name} feature${/^[0-9]{1,19}$/.test(raw) ? ` with id ${raw}` : ' with that id'}`,
        );
      const base = ogcBase(c, publicUrl);
      const links: OgcLink[] = [
        ...selfLinks(c, base, f, GEOJSON, `${layer.name} ${raw}`),
        {
          href: `${base}/collections/${layer.name}?f=json`,
          rel: 'collection',
          type: JSON_TYPE,
          title: layer.name,
        },
      ];
      cacheHeaders(c, [layer]);
      c.header('Content-Crs', `<${crs.uri}>`);
      if (f === 'html')
        return c.html(
          htmlPage(`${layer.name} ${raw}`, itemsHtml(base, layer, [feature], 1, 0, links)),
        );
      return c.body(JSON.stringify({ ...feature, links }), 200, { 'Content-Type': GEOJSON });
    });
}

/** Features as an HTML table of their properties, with the page's links. */
function itemsHtml(
  base: string,
  layer: LayerDefinition,
  features: Feature[],
  matched: number,
  offset: number,
  links: OgcLink[],
): string {
  const names = propertyNames(layer);
  const rows = features.map((ft) => [
    `<a href="${base}/collections/${layer.name}/items/${ft.id}?f=html">${ft.id}</a>`,
    ...names.map((n) => htmlValue(ft.properties?.[n])),
    htmlEscape(ft.geometry?.type ?? ''),
  ]);
  const shown = features.length === 0 ? 'none' : `${offset + 1}–${offset + features.length}`;
  return `<p>Features ${shown} of ${matched} (at most ${MAX_LIMIT} a page, ${DEFAULT_LIMIT} unless <code>limit</code> says otherwise).</p>
${htmlTable(['id', ...names, 'geometry'], rows)}${htmlLinks(links)}`;
}
