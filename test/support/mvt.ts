import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { gunzipSync } from 'node:zlib';

export interface DecodedFeature {
  id: number | undefined;
  type: number;
  properties: Record<string, unknown>;
  /** Tile-local coordinates, as the tile carries them. */
  geometry: { x: number; y: number }[][];
}

/** Decodes an MVT (gzip-compressed or not) into plain objects per layer. */
export function decodeTile(bytes: Uint8Array): Record<string, DecodedFeature[]> {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const tile = new VectorTile(new PbfReader(raw));
  const out: Record<string, DecodedFeature[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features: DecodedFeature[] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      features.push({
        id: f.id,
        type: f.type,
        properties: { ...f.properties },
        geometry: f.loadGeometry().map((ring) => ring.map((p) => ({ x: p.x, y: p.y }))),
      });
    }
    out[name] = features;
  }
  return out;
}

export async function fetchTile(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
): Promise<{ status: number; etag: string | null; layers: Record<string, DecodedFeature[]> }> {
  const res = await app.request(path, { headers: { 'Accept-Encoding': 'gzip' } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    etag: res.headers.get('ETag'),
    layers: res.status === 200 ? decodeTile(bytes) : {},
  };
}
