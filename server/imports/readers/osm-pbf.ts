import { open } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { PbfReader } from 'pbf';
import type { Position } from 'geojson';
import { FileError, type ReaderContext, type SourceFeature, type SourceItem } from '../source';
import {
  isBuilding,
  isBuildingPart,
  isLandUse,
  multipolygon,
  resolveParts,
  type MemberWay,
} from './osm-areas';

/**
 * A streaming OpenStreetMap PBF decoder (https://wiki.openstreetmap.org/wiki/PBF_Format): the
 * file is a sequence of [int32 length][BlobHeader][Blob]; each Blob holds a zlib'd HeaderBlock
 * or PrimitiveBlock. Blocks are read one at a time. Node positions are kept (ways need them).
 * A first pass reads only the relations: multipolygons that are buildings, building parts or
 * land use name the member ways whose nodes the second pass keeps, so their rings can be
 * assembled at the end (see osm-areas.ts). Yields buildings and building parts (at the end,
 * outlines with parts set aside), land-use areas, highways (with node ids as vertex keys so the
 * road graph splits where ways share a node), and power lines and substations.
 */

const MAX_HEADER = 64 * 1024;
const MAX_BLOB = 32 * 1024 * 1024;

/** Highways that carry vehicles; footways, cycleways, paths and steps are not in the road graph. */
export const DRIVABLE = new Set([
  'motorway',
  'motorway_link',
  'trunk',
  'trunk_link',
  'primary',
  'primary_link',
  'secondary',
  'secondary_link',
  'tertiary',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
  'service',
  'road',
]);

const POWER_LINES = new Set(['line', 'minor_line', 'cable']);
const POWER_POINTS = new Set(['substation', 'transformer', 'tower', 'pole']);

/** Node coordinates by id, in flat growable arrays (a Map of arrays would cost ~10× the memory). */
class NodeStore {
  #index = new Map<number, number>();
  #lon = new Float64Array(1 << 16);
  #lat = new Float64Array(1 << 16);
  #n = 0;

  set(id: number, lon: number, lat: number): void {
    if (this.#n === this.#lon.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#lon = grow(this.#lon);
      this.#lat = grow(this.#lat);
    }
    this.#index.set(id, this.#n);
    this.#lon[this.#n] = lon;
    this.#lat[this.#n] = lat;
    this.#n++;
  }

  get(id: number): Position | undefined {
    const i = this.#index.get(id);
    return i === undefined ? undefined : [this.#lon[i]!, this.#lat[i]!];
  }
}

interface Block {
  strings: string[];
  granularity: number;
  latOffset: number;
  lonOffset: number;
  groups: PbfReader[];
}

/** A multipolygon relation the twin reads, with its member ways by role. */
interface AreaRelation {
  id: number;
  tags: Record<string, string>;
  outer: number[];
  inner: number[];
}

/** What the data pass keeps besides node positions. */
interface WayState {
  nodes: NodeStore;
  /** Ways that are members of a relation read, and their resolved nodes. */
  wanted: Set<number>;
  members: Map<number, MemberWay>;
  /** Buildings and parts are emitted at the end, once parts are matched to their outlines. */
  buildings: SourceFeature[];
  parts: SourceFeature[];
}

/** The file's blocks in order: [type, decompressed data]; progress counted when `ctx` is given. */
async function* blocks(
  path: string,
  ctx: ReaderContext | null,
): AsyncGenerator<[string, Uint8Array]> {
  const file = await open(path, 'r');
  let sawHeader = false;
  try {
    for (;;) {
      const lenBuf = await readExactly(file, 4, true);
      if (!lenBuf) break;
      const headerLen = lenBuf.readInt32BE(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER)
        throw new FileError(`not an OSM PBF file (bad blob header length ${headerLen})`);
      const header = new PbfReader(await mustRead(file, headerLen)).readFields(
        (tag, h: { type: string; size: number }, pbf) => {
          if (tag === 1) h.type = pbf.readString();
          else if (tag === 3) h.size = pbf.readVarint();
        },
        { type: '', size: 0 },
      );
      if (header.size <= 0 || header.size > MAX_BLOB)
        throw new FileError(`OSM PBF blob of ${header.size} bytes is out of range`);
      const blob = await mustRead(file, header.size);
      if (ctx) ctx.progress.bytes += 4 + headerLen + header.size;
      const data = unpackBlob(blob);
      if (header.type === 'OSMHeader') {
        sawHeader = true;
        checkHeader(data);
      } else if (header.type === 'OSMData' && !sawHeader)
        throw new FileError('OSM PBF has data before its header block');
      yield [header.type, data];
    }
    if (!sawHeader) throw new FileError('not an OSM PBF file (no OSMHeader block)');
  } finally {
    await file.close();
  }
}

export async function* readOsmPbf(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const relations: AreaRelation[] = [];
  for await (const [type, data] of blocks(path, null))
    if (type === 'OSMData') scanRelations(data, relations);
  const state: WayState = {
    nodes: new NodeStore(),
    wanted: new Set(relations.flatMap((r) => [...r.outer, ...r.inner])),
    members: new Map(),
    buildings: [],
    parts: [],
  };
  yield { type: 'crs', name: 'EPSG:4326' };
  for await (const [type, data] of blocks(path, ctx)) {
    if (type === 'OSMData') yield* decodePrimitiveBlock(data, state);
  }
  for (const r of relations) {
    const missing = [...r.outer, ...r.inner].find((w) => !state.members.has(w));
    const way = (id: number) => state.members.get(id)!;
    const geometry =
      missing === undefined
        ? multipolygon(r.outer.map(way), r.inner.map(way))
        : `member way ${missing} is not in the extract`;
    const properties = { ...r.tags, '@id': `r${r.id}` };
    const f: SourceFeature =
      typeof geometry === 'string'
        ? {
            type: 'feature',
            geometry: null,
            properties,
            id: `r${r.id}`,
            group: areaGroup(r.tags),
            problem: `multipolygon relation ${r.id}: ${geometry}`,
          }
        : { type: 'feature', geometry, properties, id: `r${r.id}`, group: areaGroup(r.tags) };
    if (isBuildingPart(r.tags)) state.parts.push({ ...f, group: 'building' });
    else if (isBuilding(r.tags)) state.buildings.push(f);
    else yield f;
  }
  yield* resolveParts(state.buildings, state.parts);
}

function areaGroup(tags: Record<string, string>): string {
  return isBuilding(tags) || isBuildingPart(tags) ? 'building' : 'land_use';
}

/** Multipolygon relations that are buildings, building parts or land use, with their ways. */
function scanRelations(data: Uint8Array, out: AreaRelation[]): void {
  const strings: string[] = [];
  const groups: PbfReader[] = [];
  new PbfReader(data).readFields((tag, _r, pbf) => {
    if (tag === 1) {
      pbf.readFields(
        (t, _s, p) => {
          if (t === 1) strings.push(p.readString());
        },
        null,
        pbf.readVarint() + pbf.pos,
      );
    } else if (tag === 2) {
      const end = pbf.readVarint() + pbf.pos;
      groups.push(new PbfReader(pbf.buf.subarray(pbf.pos, end)));
      pbf.pos = end;
    }
  }, null);
  for (const group of groups) {
    group.readFields((tag, _r, pbf) => {
      const end = pbf.readVarint() + pbf.pos;
      if (tag !== 4) {
        pbf.pos = end;
        return;
      }
      const rel = new PbfReader(pbf.buf.subarray(pbf.pos, end)).readFields(
        (
          t,
          r: {
            id: number;
            keys: number[];
            vals: number[];
            roles: number[];
            memids: number[];
            types: number[];
          },
          p,
        ) => {
          if (t === 1) r.id = p.readVarint();
          else if (t === 2) p.readPackedVarint(r.keys);
          else if (t === 3) p.readPackedVarint(r.vals);
          else if (t === 8) p.readPackedVarint(r.roles);
          else if (t === 9) p.readPackedSVarint(r.memids);
          else if (t === 10) p.readPackedVarint(r.types);
        },
        { id: 0, keys: [], vals: [], roles: [], memids: [], types: [] },
      );
      pbf.pos = end;
      const tags = tagsOf(rel.keys, rel.vals, strings);
      if (
        tags.type !== 'multipolygon' ||
        !(isBuilding(tags) || isBuildingPart(tags) || isLandUse(tags))
      )
        return;
      const r: AreaRelation = { id: rel.id, tags, outer: [], inner: [] };
      let ref = 0;
      rel.memids.forEach((delta, i) => {
        ref += delta;
        if (rel.types[i] !== 1) return; // only way members make rings
        (strings[rel.roles[i]!] === 'inner' ? r.inner : r.outer).push(ref);
      });
      out.push(r);
    }, null);
  }
}

async function readExactly(
  file: Awaited<ReturnType<typeof open>>,
  n: number,
  eofOk: boolean,
): Promise<Buffer | null> {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await file.read(buf, got, n - got, null);
    if (bytesRead === 0) {
      if (got === 0 && eofOk) return null;
      throw new FileError('truncated OSM PBF file (it ends inside a block)');
    }
    got += bytesRead;
  }
  return buf;
}

async function mustRead(file: Awaited<ReturnType<typeof open>>, n: number): Promise<Buffer> {
  return (await readExactly(file, n, false))!;
}

function unpackBlob(blob: Buffer): Uint8Array {
  const b = new PbfReader(blob).readFields(
    (tag, r: { raw?: Uint8Array; rawSize: number; zlib?: Uint8Array; other?: number }, pbf) => {
      if (tag === 1) r.raw = pbf.readBytes();
      else if (tag === 2) r.rawSize = pbf.readVarint();
      else if (tag === 3) r.zlib = pbf.readBytes();
      else if (tag >= 4 && tag <= 7) r.other = tag;
    },
    { rawSize: 0 },
  );
  if (b.raw) return b.raw;
  if (b.zlib) {
    if (b.rawSize > MAX_BLOB) throw new FileError('OSM PBF block too large');
    try {
      return inflateSync(b.zlib, { maxOutputLength: MAX_BLOB });
    } catch (error) {
      throw new FileError(`damaged OSM PBF block: ${(error as Error).message}`);
    }
  }
  throw new FileError(
    `OSM PBF block uses an unsupported compression (field ${b.other ?? '?'}); only zlib is read`,
  );
}

function checkHeader(data: Uint8Array): void {
  const required: string[] = [];
  new PbfReader(data).readFields((tag, _r, pbf) => {
    if (tag === 4) required.push(pbf.readString());
  }, null);
  const unsupported = required.filter((f) => !['OsmSchema-V0.6', 'DenseNodes'].includes(f));
  if (unsupported.length)
    throw new FileError(`OSM PBF needs features this reader lacks: ${unsupported.join(', ')}`);
}

function* decodePrimitiveBlock(data: Uint8Array, state: WayState): Generator<SourceItem> {
  const nodes = state.nodes;
  const block = new PbfReader(data).readFields(
    (tag, b: Block, pbf) => {
      if (tag === 1) {
        pbf.readFields(
          (t, _s, p) => {
            if (t === 1) b.strings.push(p.readString());
          },
          null,
          pbf.readVarint() + pbf.pos,
        );
      } else if (tag === 2) {
        const end = pbf.readVarint() + pbf.pos;
        b.groups.push(new PbfReader(pbf.buf.subarray(pbf.pos, end)));
        pbf.pos = end;
      } else if (tag === 17) b.granularity = pbf.readVarint();
      else if (tag === 19) b.latOffset = pbf.readVarint(true);
      else if (tag === 20) b.lonOffset = pbf.readVarint(true);
    },
    { strings: [], granularity: 100, latOffset: 0, lonOffset: 0, groups: [] },
  );
  // Rounded to 1e-7° (the OSM API's precision) to drop float noise from the scaling.
  const deg = (offset: number, v: number) =>
    Math.round(offset / 100 + (block.granularity / 100) * v) / 1e7;
  for (const group of block.groups) {
    const out: SourceItem[] = [];
    const addNode: NodeSink = (id, rawLon, rawLat, tags) => {
      const lon = deg(block.lonOffset, rawLon);
      const lat = deg(block.latOffset, rawLat);
      nodes.set(id, lon, lat);
      if (tags) pointFeature(id, tags, lon, lat, out);
    };
    group.readFields((tag, _r, pbf) => {
      const end = pbf.readVarint() + pbf.pos;
      const msg = new PbfReader(pbf.buf.subarray(pbf.pos, end));
      pbf.pos = end;
      if (tag === 1) readNode(msg, block, addNode);
      else if (tag === 2) readDense(msg, block, addNode);
      else if (tag === 3) readWay(msg, block, state, out);
      // 4: relations, 5: changesets — skipped
    }, null);
    yield* out;
  }
}

function tagsOf(keys: number[], vals: number[], strings: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) tags[strings[keys[i]!]!] = strings[vals[i]!] ?? '';
  return tags;
}

function pointFeature(
  id: number,
  tags: Record<string, string>,
  lon: number,
  lat: number,
  out: SourceItem[],
): void {
  if (tags.power && POWER_POINTS.has(tags.power)) {
    out.push({
      type: 'feature',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: { ...tags, '@id': `n${id}` },
      id: `n${id}`,
      group: 'power',
      nodeKey: String(id),
    });
  }
}

/** A node of a block, its position still in the block's units: stored, and a point if tagged. */
type NodeSink = (
  id: number,
  rawLon: number,
  rawLat: number,
  tags: Record<string, string> | null,
) => void;

function readNode(msg: PbfReader, block: Block, addNode: NodeSink): void {
  const n = msg.readFields(
    (tag, r: { id: number; lat: number; lon: number; keys: number[]; vals: number[] }, pbf) => {
      if (tag === 1) r.id = pbf.readSVarint();
      else if (tag === 2) pbf.readPackedVarint(r.keys);
      else if (tag === 3) pbf.readPackedVarint(r.vals);
      else if (tag === 8) r.lat = pbf.readSVarint();
      else if (tag === 9) r.lon = pbf.readSVarint();
    },
    { id: 0, lat: 0, lon: 0, keys: [], vals: [] },
  );
  addNode(n.id, n.lon, n.lat, n.keys.length ? tagsOf(n.keys, n.vals, block.strings) : null);
}

function readDense(msg: PbfReader, block: Block, addNode: NodeSink): void {
  const d = msg.readFields(
    (tag, r: { ids: number[]; lats: number[]; lons: number[]; kv: number[] }, pbf) => {
      if (tag === 1) pbf.readPackedSVarint(r.ids);
      else if (tag === 8) pbf.readPackedSVarint(r.lats);
      else if (tag === 9) pbf.readPackedSVarint(r.lons);
      else if (tag === 10) pbf.readPackedVarint(r.kv);
    },
    { ids: [], lats: [], lons: [], kv: [] },
  );
  let id = 0,
    lat = 0,
    lon = 0,
    k = 0;
  for (let i = 0; i < d.ids.length; i++) {
    id += d.ids[i]!;
    lat += d.lats[i]!;
    lon += d.lons[i]!;
    if (d.kv.length === 0) {
      addNode(id, lon, lat, null);
      continue;
    }
    let tags: Record<string, string> | null = null;
    while (k < d.kv.length && d.kv[k] !== 0) {
      tags ??= {};
      tags[block.strings[d.kv[k]!]!] = block.strings[d.kv[k + 1]!] ?? '';
      k += 2;
    }
    k++; // the 0 that ends this node's tags
    addNode(id, lon, lat, tags);
  }
}

function readWay(msg: PbfReader, block: Block, state: WayState, out: SourceItem[]): void {
  const w = msg.readFields(
    (tag, r: { id: number; keys: number[]; vals: number[]; refs: number[] }, pbf) => {
      if (tag === 1) r.id = pbf.readVarint();
      else if (tag === 2) pbf.readPackedVarint(r.keys);
      else if (tag === 3) pbf.readPackedVarint(r.vals);
      else if (tag === 8) pbf.readPackedSVarint(r.refs);
    },
    { id: 0, keys: [], vals: [], refs: [] },
  );
  const member = state.wanted.has(w.id);
  if (w.keys.length === 0 && !member) return;
  const tags = tagsOf(w.keys, w.vals, block.strings);
  const part = isBuildingPart(tags);
  const building = !part && isBuilding(tags);
  const highway = tags.highway && DRIVABLE.has(tags.highway) && tags.area !== 'yes';
  const powerLine = tags.power && POWER_LINES.has(tags.power);
  const substation = tags.power === 'substation';
  const landUse = !building && !part && isLandUse(tags);
  if (!building && !part && !highway && !powerLine && !substation && !landUse && !member) return;
  const ids: number[] = [];
  let ref = 0;
  for (const delta of w.refs) ids.push((ref += delta));
  const coords: Position[] = [];
  for (const id of ids) {
    const p = state.nodes.get(id);
    if (!p) {
      if (building || part || highway || powerLine || substation || landUse) {
        out.push({
          type: 'feature',
          geometry: null,
          properties: { ...tags, '@id': `w${w.id}` },
          id: `w${w.id}`,
          group: groupOf(tags),
          problem: `way ${w.id} references node ${id}, which the extract does not contain`,
        });
      }
      return;
    }
    coords.push(p);
  }
  if (member) state.members.set(w.id, { ids, coords });
  if (!building && !part && !highway && !powerLine && !substation && !landUse) return;
  const properties = { ...tags, '@id': `w${w.id}` };
  const closed = ids.length >= 4 && ids[0] === ids[ids.length - 1];
  if (building || part || substation || landUse) {
    const kind = part
      ? 'building:part'
      : building
        ? 'building'
        : substation
          ? 'substation'
          : 'land use';
    const f: SourceFeature = {
      type: 'feature',
      geometry: closed
        ? { type: 'Polygon', coordinates: [coords] }
        : { type: 'LineString', coordinates: coords },
      properties,
      id: `w${w.id}`,
      group: building || part ? 'building' : substation ? 'power' : 'land_use',
      problem: closed ? undefined : `way ${w.id} is tagged ${kind} but is not a closed ring`,
    };
    if (part) state.parts.push(f);
    else if (building) state.buildings.push(f);
    else out.push(f);
    return;
  }
  out.push({
    type: 'feature',
    geometry: { type: 'LineString', coordinates: coords },
    properties,
    id: `w${w.id}`,
    group: highway ? 'highway' : 'power',
    vertexKeys: ids.map(String),
  });
}

function groupOf(tags: Record<string, string>): string {
  return tags.building || tags['building:part']
    ? 'building'
    : tags.highway
      ? 'highway'
      : isLandUse(tags)
        ? 'land_use'
        : 'power';
}
