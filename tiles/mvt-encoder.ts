import { PbfWriter } from 'pbf';
import type { Position, Ring } from './wkb';

/**
 * A small Mapbox Vector Tile 2.1 encoder for tiles built in JavaScript (the embedded backend,
 * whose PostGIS has no ST_AsMVT). Geometry must already be in tile coordinates (integers,
 * y down) with rings oriented as the spec requires; see `tile-geometry.ts`.
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

export function encodeMvt(layers: TileLayer[]): Uint8Array {
  const pbf = new PbfWriter();
  for (const layer of layers) {
    if (layer.features.length > 0) pbf.writeMessage(3, writeLayer, layer);
  }
  return pbf.finish();
}

interface LayerContext {
  layer: TileLayer;
  keys: string[];
  keyIndex: Map<string, number>;
  values: PropertyValue[];
  valueIndex: Map<string, number>;
}

function writeLayer(layer: TileLayer, pbf: PbfWriter): void {
  pbf.writeVarintField(15, 2);
  pbf.writeStringField(1, layer.name);
  const ctx: LayerContext = {
    layer,
    keys: [],
    keyIndex: new Map(),
    values: [],
    valueIndex: new Map(),
  };
  for (const feature of layer.features) pbf.writeMessage(2, writeFeature, { feature, ctx });
  for (const key of ctx.keys) pbf.writeStringField(3, key);
  for (const value of ctx.values) pbf.writeMessage(4, writeValue, value);
  pbf.writeVarintField(5, layer.extent);
}

function writeFeature(
  { feature, ctx }: { feature: TileFeature; ctx: LayerContext },
  pbf: PbfWriter,
): void {
  if (feature.id !== undefined && Number.isSafeInteger(feature.id) && feature.id >= 0) {
    pbf.writeVarintField(1, feature.id);
  }
  pbf.writeMessage(2, writeTags, { properties: feature.properties, ctx });
  pbf.writeVarintField(3, GEOM_TYPE[feature.geometry.type]);
  pbf.writeMessage(4, writeGeometry, feature.geometry);
}

function writeTags(
  { properties, ctx }: { properties: TileFeature['properties']; ctx: LayerContext },
  pbf: PbfWriter,
): void {
  for (const [key, value] of Object.entries(properties)) {
    if (value === null || value === undefined) continue;
    let k = ctx.keyIndex.get(key);
    if (k === undefined) {
      k = ctx.keys.push(key) - 1;
      ctx.keyIndex.set(key, k);
    }
    const valueKey = `${typeof value}:${String(value)}`;
    let v = ctx.valueIndex.get(valueKey);
    if (v === undefined) {
      v = ctx.values.push(value) - 1;
      ctx.valueIndex.set(valueKey, v);
    }
    pbf.writeVarint(k);
    pbf.writeVarint(v);
  }
}

function writeValue(value: PropertyValue, pbf: PbfWriter): void {
  if (typeof value === 'string') pbf.writeStringField(1, value);
  else if (typeof value === 'boolean') pbf.writeBooleanField(7, value);
  else if (Number.isSafeInteger(value)) {
    if (value < 0) pbf.writeSVarintField(6, value);
    else pbf.writeVarintField(5, value);
  } else pbf.writeDoubleField(3, value);
}

const command = (id: number, count: number): number => (count << 3) | (id & 0x7);
const zigzag = (n: number): number => (n << 1) ^ (n >> 31);

function writeGeometry(geometry: TileFeatureGeometry, pbf: PbfWriter): void {
  let x = 0;
  let y = 0;
  const moveTo = (p: Position): void => {
    pbf.writeVarint(zigzag(p[0] - x));
    pbf.writeVarint(zigzag(p[1] - y));
    x = p[0];
    y = p[1];
  };
  if (geometry.type === 'Point') {
    pbf.writeVarint(command(1, geometry.points.length));
    for (const p of geometry.points) moveTo(p);
    return;
  }
  const paths = geometry.type === 'LineString' ? geometry.lines : geometry.rings;
  const closed = geometry.type === 'Polygon';
  for (const path of paths) {
    // A ring's closing vertex is implied by ClosePath.
    const count = closed ? path.length - 1 : path.length;
    pbf.writeVarint(command(1, 1));
    moveTo(path[0]!);
    pbf.writeVarint(command(2, count - 1));
    for (let i = 1; i < count; i++) moveTo(path[i]!);
    if (closed) pbf.writeVarint(command(7, 1));
  }
}
