import {
  fromVectorTileJs,
  type VectorTileFeatureLike,
  type VectorTileLike,
} from '@maplibre/vt-pbf';
import type Point from '@mapbox/point-geometry';
import type { Position, Ring } from './wkb';

/**
 * Mapbox Vector Tile 2.1 encoding for tiles built in JavaScript (the embedded backend, whose
 * PostGIS has no ST_AsMVT), through `@maplibre/vt-pbf`. Geometry must already be in tile
 * coordinates (integers, y down) with rings oriented as the spec requires; see
 * `tile-geometry.ts`. (vt-pbf encoded demo-city tiles as fast as the hand-written encoder it
 * replaced, byte for byte the same size: docs/performance.md.)
 */
export type PropertyValue = string | number | boolean;

export type TileFeatureGeometry =
  | { type: 'Point'; points: Position[] }
  | { type: 'LineString'; lines: Position[][] }
  | { type: 'Polygon'; rings: Ring[] };

export interface TileFeature {
  id?: number;
  geometry: TileFeatureGeometry;
  properties: Record<string, PropertyValue | null | undefined>;
}

export interface TileLayer {
  name: string;
  extent: number;
  features: TileFeature[];
}

const GEOM_TYPE = { Point: 1, LineString: 2, Polygon: 3 } as const;

/** vt-pbf reads only `x` and `y` of each point. */
const point = ([x, y]: Position) => ({ x, y }) as Point;

function geometryOf(g: TileFeatureGeometry): Point[][] {
  // A multipoint is one MoveTo with every point; lines and rings one path each.
  if (g.type === 'Point') return [g.points.map(point)];
  return (g.type === 'LineString' ? g.lines : g.rings).map((path) => path.map(point));
}

export function encodeMvt(layers: TileLayer[]): Uint8Array {
  const tile: VectorTileLike = { layers: {} };
  for (const layer of layers) {
    if (layer.features.length === 0) continue;
    tile.layers[layer.name] = {
      version: 2,
      name: layer.name,
      extent: layer.extent,
      length: layer.features.length,
      feature: (i): VectorTileFeatureLike => {
        const f = layer.features[i]!;
        const properties: Record<string, PropertyValue> = {};
        for (const [k, v] of Object.entries(f.properties))
          if (v !== null && v !== undefined) properties[k] = v;
        return {
          type: GEOM_TYPE[f.geometry.type],
          // MVT ids are unsigned integers; anything else is left out.
          id: f.id !== undefined && Number.isSafeInteger(f.id) && f.id >= 0 ? f.id : undefined,
          extent: layer.extent,
          properties,
          loadGeometry: () => geometryOf(f.geometry),
        };
      },
    };
  }
  return fromVectorTileJs(tile);
}
