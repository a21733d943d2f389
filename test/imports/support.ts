import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { PbfWriter } from 'pbf';
import type { Backend } from '../../server/db/backend';
import type { ImportJob } from '../../common/api-types';
import type { ImportRequest } from '../../server/imports/import-service';
import type { BackendKind } from '../support/backends';
import { suiteTwin, type TestTwin } from '../support/twin';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

const scratch: string[] = [];

/** A temporary directory, removed by `removeScratch` (call it in afterAll). */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twin-import-test-'));
  scratch.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The twin and scratch directory of one describe block: made in its beforeAll, disposed of and
 * removed in its afterAll. `env` configures the twin as `createTestTwin` does.
 */
export function importTwin(
  kind: BackendKind,
  env?: Record<string, string>,
): { twin: TestTwin; dir: string } {
  // Registered before the twin's hooks: after-hooks run in reverse, so the twin goes first.
  const scratch = { dir: '' };
  beforeAll(() => {
    scratch.dir = scratchDir();
  });
  afterAll(removeScratch);
  const ctx = suiteTwin(kind, env);
  return {
    get twin() {
      return ctx.twin;
    },
    get dir() {
      return scratch.dir;
    },
  };
}

export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs one import to its end through the service the app uses. */
export async function runImport(
  twin: TestTwin,
  path: string,
  o: Partial<ImportRequest> & { layer: string },
): Promise<ImportJob> {
  const { done } = await twin.imports.submit({
    path,
    fileName: o.fileName ?? path.split('/').pop()!,
    mode: 'replace',
    mapping: [],
    name: o.name ?? path.split('/').pop()!,
    source: 'test',
    licence: 'CC0-1.0',
    ...o,
  });
  return done;
}

const TABLES = [
  'datasets',
  'buildings',
  'road_nodes',
  'road_links',
  'water_nodes',
  'water_pipes',
  'power_nodes',
  'power_lines',
  'sensors',
  'custom_layers',
] as const;

/** Row counts of every table an import writes, and the tile layer versions. */
export async function snapshot(backend: Backend): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(t)}`.execute(
      backend.db,
    );
    out[t] = r.rows[0]!.n;
  }
  const versions = await backend.db
    .selectFrom('layer_versions')
    .select(['layer', 'version'])
    .orderBy('layer')
    .execute();
  for (const v of versions) out[`version:${v.layer}`] = String(v.version);
  return out;
}

export interface OsmNode {
  id: number;
  lon: number;
  lat: number;
  tags?: Record<string, string>;
}
export interface OsmWay {
  id: number;
  refs: number[];
  tags: Record<string, string>;
}

export interface OsmRelation {
  id: number;
  /** Way members with their roles (`outer`, `inner`). */
  members: { ref: number; role: string }[];
  tags: Record<string, string>;
}

/** A minimal OSM PBF (header block + one data block with dense nodes, ways and relations), for tests. */
export function osmPbf(
  nodes: OsmNode[],
  ways: OsmWay[],
  relations: OsmRelation[] = [],
): Uint8Array {
  const strings = [''];
  const s = (v: string) => {
    let i = strings.indexOf(v);
    if (i < 0) i = strings.push(v) - 1;
    return i;
  };
  const header = new PbfWriter();
  header.writeStringField(4, 'OsmSchema-V0.6');
  header.writeStringField(4, 'DenseNodes');
  const dense = {
    ids: [] as number[],
    lats: [] as number[],
    lons: [] as number[],
    kv: [] as number[],
  };
  let pid = 0,
    plat = 0,
    plon = 0;
  for (const n of nodes) {
    const lat = Math.round(n.lat * 1e7),
      lon = Math.round(n.lon * 1e7);
    dense.ids.push(n.id - pid);
    dense.lats.push(lat - plat);
    dense.lons.push(lon - plon);
    pid = n.id;
    plat = lat;
    plon = lon;
    for (const [k, v] of Object.entries(n.tags ?? {})) dense.kv.push(s(k), s(v));
    dense.kv.push(0);
  }
  const wayMsgs = ways.map((w) => {
    const keys = Object.keys(w.tags).map(s);
    const vals = Object.values(w.tags).map(s);
    const refs: number[] = [];
    let prev = 0;
    for (const r of w.refs) {
      refs.push(r - prev);
      prev = r;
    }
    return { id: w.id, keys, vals, refs };
  });
  // Every string must be in the table, which is written first.
  for (const r of relations) {
    for (const [k, v] of Object.entries(r.tags)) {
      s(k);
      s(v);
    }
    for (const m of r.members) s(m.role);
  }
  const block = new PbfWriter();
  block.writeMessage(
    1,
    (_: null, pbf: PbfWriter) =>
      strings.forEach((v) => pbf.writeBytesField(1, new TextEncoder().encode(v))),
    null,
  );
  block.writeMessage(
    2,
    (_: null, pbf: PbfWriter) =>
      pbf.writeMessage(
        2,
        (_d: null, p: PbfWriter) => {
          p.writePackedSVarint(1, dense.ids);
          p.writePackedSVarint(8, dense.lats);
          p.writePackedSVarint(9, dense.lons);
          p.writePackedVarint(10, dense.kv);
        },
        null,
      ),
    null,
  );
  block.writeMessage(
    2,
    (_: null, pbf: PbfWriter) => {
      for (const w of wayMsgs) {
        pbf.writeMessage(
          3,
          (_w: null, p: PbfWriter) => {
            p.writeVarintField(1, w.id);
            p.writePackedVarint(2, w.keys);
            p.writePackedVarint(3, w.vals);
            p.writePackedSVarint(8, w.refs);
          },
          null,
        );
      }
    },
    null,
  );
  if (relations.length) {
    block.writeMessage(
      2,
      (_: null, pbf: PbfWriter) => {
        for (const r of relations) {
          const keys = Object.keys(r.tags).map(s);
          const vals = Object.values(r.tags).map(s);
          const roles = r.members.map((m) => s(m.role));
          const memids: number[] = [];
          let prev = 0;
          for (const m of r.members) {
            memids.push(m.ref - prev);
            prev = m.ref;
          }
          pbf.writeMessage(
            4,
            (_r: null, p: PbfWriter) => {
              p.writeVarintField(1, r.id);
              p.writePackedVarint(2, keys);
              p.writePackedVarint(3, vals);
              p.writePackedVarint(8, roles);
              p.writePackedSVarint(9, memids);
              p.writePackedVarint(
                10,
                r.members.map(() => 1),
              );
            },
            null,
          );
        }
      },
      null,
    );
  }
  const fileBlock = (type: string, data: Uint8Array) => {
    const blob = new PbfWriter();
    blob.writeVarintField(2, data.length);
    blob.writeBytesField(3, deflateSync(data));
    const blobBytes = blob.finish();
    const bh = new PbfWriter();
    bh.writeStringField(1, type);
    bh.writeVarintField(3, blobBytes.length);
    const bhBytes = bh.finish();
    const len = Buffer.alloc(4);
    len.writeInt32BE(bhBytes.length);
    return Buffer.concat([len, bhBytes, blobBytes]);
  };
  return Buffer.concat([
    fileBlock('OSMHeader', header.finish()),
    fileBlock('OSMData', block.finish()),
  ]);
}

/** A request to the app as a GIS user: imports and datasets are GIS staff's (issue #9). */
export async function gisRequest(
  twin: TestTwin,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return twin.app.request(path, {
    ...init,
    headers: { ...(await twin.as('gis')), ...(init.headers as Record<string, string>) },
  });
}

/**
 * A CityJSONSeq of one LoD2.2 building with a gable roof: `w` × `d` m, eaves at `eaves` m, ridge
 * (along x) at `ridge` m, its ground corner at (x, y, z) in `epsg` (default Zürich in LV95).
 */
export function gableCityJsonSeq(
  o: {
    x?: number;
    y?: number;
    z?: number;
    epsg?: number;
    w?: number;
    d?: number;
    eaves?: number;
    ridge?: number;
    id?: string;
  } = {},
): string {
  const {
    x = 2683000,
    y = 1247000,
    z = 408,
    epsg = 2056,
    w = 10,
    d = 6,
    eaves = 6,
    ridge = 9,
    id = 'gable',
  } = o;
  const v = [
    [0, 0, 0],
    [w, 0, 0],
    [w, d, 0],
    [0, d, 0], // ground
    [0, 0, eaves],
    [w, 0, eaves],
    [w, d, eaves],
    [0, d, eaves], // eaves
    [0, d / 2, ridge],
    [w, d / 2, ridge], // ridge
  ].map(([a, b, c]) => [
    Math.round((x + a!) * 1000),
    Math.round((y + b!) * 1000),
    Math.round((z + c!) * 1000),
  ]);
  const header = {
    type: 'CityJSON',
    version: '2.0',
    transform: { scale: [0.001, 0.001, 0.001], translate: [0, 0, 0] },
    metadata: { referenceSystem: `https://www.opengis.net/def/crs/EPSG/0/${epsg}` },
    CityObjects: {},
    vertices: [],
  };
  const feature = {
    type: 'CityJSONFeature',
    id,
    CityObjects: {
      [id]: {
        type: 'Building',
        attributes: { yearOfConstruction: 1931, storeysAboveGround: 2 },
        geometry: [
          {
            type: 'Solid',
            lod: '2.2',
            boundaries: [
              [
                [[0, 3, 2, 1]],
                [[0, 1, 5, 4]],
                [[1, 2, 6, 9, 5]],
                [[2, 3, 7, 6]],
                [[3, 0, 4, 8, 7]],
                [[4, 5, 9, 8]],
                [[7, 8, 9, 6]],
              ],
            ],
            semantics: {
              surfaces: [
                { type: 'GroundSurface' },
                { type: 'WallSurface' },
                { type: 'RoofSurface' },
              ],
              values: [[0, 1, 1, 1, 1, 2, 2]],
            },
          },
        ],
      },
    },
    vertices: v,
  };
  return `${JSON.stringify(header)}\n${JSON.stringify(feature)}\n`;
}

/**
 * A GeoJSON FeatureCollection of points, one `[id, properties, [lon, lat]]` each, as an upload
 * carries it (a latitude beyond ±90 makes a feature the import rejects).
 */
export function pointFeatures(points: [string, Record<string, unknown>, [number, number]][]) {
  return {
    type: 'FeatureCollection',
    features: points.map(([id, properties, coordinates]) => ({
      type: 'Feature',
      id,
      properties,
      geometry: { type: 'Point', coordinates },
    })),
  };
}
