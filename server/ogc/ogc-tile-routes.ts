import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { LayerDefinition } from '../../tiles/catalog';
import { lonLatToTile, parseTileCoord } from '../../tiles/tile-coords';
import type { TileService } from '../../tiles/tile-service';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { tileCacheControl, tileResponse } from '../tile-routes';
import { ExtentCache } from './ogc-features';
import { htmlLinks, htmlPage, negotiate, type OgcLink } from './ogc-format';
import { collectionOf, ogcBase } from './ogc-routes';
import { WEB_MERCATOR_QUAD, WEB_MERCATOR_QUAD_URI, webMercatorQuad } from './tile-matrix-set';

export interface OgcTileRoutesOptions {
  db: Kysely<Database>;
  tiles: TileService;
  /** `Cache-Control` max-age of tiles, as on `/tiles` (TWIN_TILE_MAX_AGE_S). */
  maxAgeS: number;
}

const MVT = 'application/vnd.mapbox-vector-tile';
const JSON_TYPE = 'application/json';
const REL_TILING_SCHEME = 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme';

const tmsOf = (c: Context): void => {
  if (c.req.param('tileMatrixSetId') !== WEB_MERCATOR_QUAD)
    throw new ApiError(404, 'not_found', `the only tile matrix set is ${WEB_MERCATOR_QUAD}`);
};

/** A JSON document, or the same links as an HTML page (`f=html`). */
function answer(c: Context, title: string, doc: { links: OgcLink[] } & Record<string, unknown>) {
  const f = negotiate(c.req.query('f'), c.req.header('Accept'));
  c.header('Vary', 'Accept, Cookie, Authorization');
  if (f === 'html') return c.html(htmlPage(title, htmlLinks(doc.links)));
  return c.json(doc);
}

/**
 * OGC API – Tiles (core, tileset, tilesets-list, geodata-tilesets, MVT) over the tile service
 * (issue #15): the same tiles, ETags and caches as `/tiles`, addressed `{z}/{y}/{x}` (row
 * before column) in WebMercatorQuad.
 *   GET /tileMatrixSets · /tileMatrixSets/WebMercatorQuad
 *   GET /collections/{id}/tiles · /collections/{id}/tiles/WebMercatorQuad
 *   GET /collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}
 */
export function ogcTileRoutes({ db, tiles, maxAgeS }: OgcTileRoutesOptions, publicUrl?: string) {
  const extents = new ExtentCache(db);
  const cache = tileCacheControl(maxAgeS);

  /** Rows and columns holding data at each zoom of the layer (from the layer's extent). */
  async function limits(layer: LayerDefinition) {
    const versions = await tiles.versions.current();
    const { bbox } = await extents.get(layer, versions.get(layer.versionKey) ?? '0');
    if (!bbox) return null;
    const out = [];
    for (let z = layer.minzoom; z <= layer.maxzoom; z++) {
      const nw = lonLatToTile(bbox[0], bbox[3], z);
      const se = lonLatToTile(bbox[2], bbox[1], z);
      out.push({
        tileMatrix: String(z),
        minTileRow: nw.y,
        maxTileRow: se.y,
        minTileCol: nw.x,
        maxTileCol: se.x,
      });
    }
    return out;
  }

  function tilesetLinks(base: string, layer: LayerDefinition, self: boolean): OgcLink[] {
    const href = `${base}/collections/${layer.name}/tiles/${WEB_MERCATOR_QUAD}`;
    return [
      {
        href: `${href}?f=json`,
        rel: self ? 'self' : 'item',
        type: JSON_TYPE,
        title: `${layer.name} tiles in ${WEB_MERCATOR_QUAD}`,
      },
      {
        href: `${base}/tileMatrixSets/${WEB_MERCATOR_QUAD}?f=json`,
        rel: REL_TILING_SCHEME,
        type: JSON_TYPE,
        title: WEB_MERCATOR_QUAD,
      },
      ...(self
        ? [
            {
              href: `${href}/{tileMatrix}/{tileRow}/{tileCol}`,
              rel: 'item',
              type: MVT,
              title: `${layer.name} vector tiles`,
              templated: true,
            },
            {
              href: `${base}/collections/${layer.name}?f=json`,
              rel: 'http://www.opengis.net/def/rel/ogc/1.0/geodata',
              type: JSON_TYPE,
              title: layer.name,
            },
          ]
        : []),
    ];
  }

  return new Hono()
    .get('/tileMatrixSets', (c) => {
      const base = ogcBase(c, publicUrl);
      const href = `${base}/tileMatrixSets/${WEB_MERCATOR_QUAD}?f=json`;
      return answer(c, 'Tile matrix sets', {
        tileMatrixSets: [
          {
            id: WEB_MERCATOR_QUAD,
            title: 'Google Maps Compatible for the World',
            uri: WEB_MERCATOR_QUAD_URI,
            links: [{ href, rel: 'self', type: JSON_TYPE }],
          },
        ],
        links: [
          {
            href: `${base}/tileMatrixSets?f=json`,
            rel: 'self',
            type: JSON_TYPE,
            title: 'Tile matrix sets',
          },
          { href, rel: 'item', type: JSON_TYPE, title: WEB_MERCATOR_QUAD },
        ],
      });
    })
    .get('/tileMatrixSets/:tileMatrixSetId', (c) => {
      tmsOf(c);
      const base = ogcBase(c, publicUrl);
      return answer(c, WEB_MERCATOR_QUAD, {
        ...webMercatorQuad(),
        links: [
          {
            href: `${base}/tileMatrixSets/${WEB_MERCATOR_QUAD}?f=json`,
            rel: 'self',
            type: JSON_TYPE,
            title: WEB_MERCATOR_QUAD,
          },
        ],
      });
    })
    .get('/collections/:collectionId/tiles', (c) => {
      const layer = collectionOf(c, tiles);
      const base = ogcBase(c, publicUrl);
      return answer(c, `${layer.name}: tilesets`, {
        tilesets: [
          {
            title: `${layer.name} vector tiles`,
            dataType: 'vector',
            crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
            tileMatrixSetURI: WEB_MERCATOR_QUAD_URI,
            links: tilesetLinks(base, layer, false),
          },
        ],
        links: [
          {
            href: `${base}/collections/${layer.name}/tiles?f=json`,
            rel: 'self',
            type: JSON_TYPE,
            title: `${layer.name} tilesets`,
          },
          {
            href: `${base}/collections/${layer.name}?f=json`,
            rel: 'http://www.opengis.net/def/rel/ogc/1.0/geodata',
            type: JSON_TYPE,
            title: layer.name,
          },
        ],
      });
    })
    .get('/collections/:collectionId/tiles/:tileMatrixSetId', async (c) => {
      const layer = collectionOf(c, tiles);
      tmsOf(c);
      const base = ogcBase(c, publicUrl);
      const lim = await limits(layer);
      return answer(c, `${layer.name}: ${WEB_MERCATOR_QUAD}`, {
        title: `${layer.name} vector tiles`,
        description: layer.description,
        dataType: 'vector',
        crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
        tileMatrixSetURI: WEB_MERCATOR_QUAD_URI,
        minTileMatrix: String(layer.minzoom),
        maxTileMatrix: String(layer.maxzoom),
        ...(lim ? { tileMatrixSetLimits: lim } : {}),
        layers: [
          {
            id: layer.name,
            dataType: 'vector',
            geometryDimension: layer.geometry === 'point' ? 0 : layer.geometry === 'line' ? 1 : 2,
            minTileMatrix: String(layer.minzoom),
            maxTileMatrix: String(layer.maxzoom),
            propertiesSchema: {
              type: 'object',
              properties: Object.fromEntries(
                Object.entries(layer.attributes).map(([k, a]) => [
                  k,
                  {
                    type: a.type === 'int' ? 'integer' : a.type === 'float' ? 'number' : a.type,
                    description: a.unit ? `${a.description} (${a.unit})` : a.description,
                  },
                ]),
              ),
            },
          },
        ],
        links: tilesetLinks(base, layer, true),
      });
    })
    .get(
      '/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol',
      async (c) => {
        const layer = collectionOf(c, tiles);
        tmsOf(c);
        const f = c.req.query('f');
        if (f !== undefined && f !== 'mvt')
          throw new ApiError(400, 'bad_request', 'tiles are MVT: f must be mvt');
        const { tileMatrix, tileRow, tileCol } = c.req.param();
        const coord = parseTileCoord(tileMatrix, tileCol, tileRow);
        // Outside the tileset's limits is 404 (OGC API – Tiles /req/tileset/tc-error).
        if (coord.z < layer.minzoom || coord.z > layer.maxzoom)
          throw new ApiError(
            404,
            'not_found',
            `${layer.name} has tiles at tile matrices ${layer.minzoom}–${layer.maxzoom}`,
          );
        const lim = (await limits(layer))?.find((l) => l.tileMatrix === String(coord.z));
        if (
          lim &&
          (coord.y < lim.minTileRow ||
            coord.y > lim.maxTileRow ||
            coord.x < lim.minTileCol ||
            coord.x > lim.maxTileCol)
        ) {
          throw new ApiError(
            404,
            'not_found',
            `tile outside the tileset's limits at tile matrix ${coord.z}`,
          );
        }
        return tileResponse(tiles, [layer], coord, c.req.raw.headers, {
          cacheControl: layer.access === 'public' ? cache.shared : cache.private,
        });
      },
    );
}
