import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { SourceFeature } from '../source';

/**
 * OpenStreetMap areas for the twin (issue #15): multipolygon relations assembled from their
 * member ways (https://wiki.openstreetmap.org/wiki/Relation:multipolygon), land-use tags, and
 * Simple 3D Buildings (https://wiki.openstreetmap.org/wiki/Simple_3D_Buildings): a building
 * whose outline holds `building:part`s is drawn by its parts only, so its footprint is not
 * counted twice.
 */

/** Tags that make a closed way or multipolygon a land-use area of the twin. */
export function isLandUse(tags: Record<string, string>): boolean {
  return Boolean(
    tags.landuse ||
    [
      'park',
      'garden',
      'playground',
      'pitch',
      'nature_reserve',
      'common',
      'recreation_ground',
    ].includes(tags.leisure ?? '') ||
    ['water', 'wood', 'wetland'].includes(tags.natural ?? '') ||
    tags.waterway === 'riverbank' ||
    ['school', 'university', 'college', 'hospital', 'grave_yard'].includes(tags.amenity ?? ''),
  );
}

export const isBuilding = (tags: Record<string, string>) =>
  Boolean(tags.building && tags.building !== 'no');
export const isBuildingPart = (tags: Record<string, string>) =>
  Boolean(tags['building:part'] && tags['building:part'] !== 'no');

export interface MemberWay {
  ids: number[];
  coords: Position[];
}

/** Joins ways end to end into closed rings; a string says why it could not. */
export function assembleRings(ways: MemberWay[]): Position[][] | string {
  const pool = ways
    .filter((w) => w.ids.length >= 2)
    .map((w) => ({ ids: [...w.ids], coords: [...w.coords] }));
  const rings: Position[][] = [];
  while (pool.length) {
    const ring = pool.shift()!;
    while (ring.ids[0] !== ring.ids.at(-1)) {
      const end = ring.ids.at(-1)!;
      const i = pool.findIndex((w) => w.ids[0] === end || w.ids.at(-1) === end);
      if (i < 0)
        return `its ring through node ${end} is not closed (a member way is missing from the extract, or the relation is broken)`;
      const next = pool.splice(i, 1)[0]!;
      if (next.ids[0] !== end) {
        next.ids.reverse();
        next.coords.reverse();
      }
      ring.ids.push(...next.ids.slice(1));
      ring.coords.push(...next.coords.slice(1));
    }
    if (ring.ids.length < 4) return 'a ring has fewer than four nodes';
    rings.push(ring.coords);
  }
  return rings;
}

export function pointInRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!,
      [xj, yj] = ring[j]!;
    if (yi! > y! !== yj! > y! && x! < ((xj! - xi!) * (y! - yi!)) / (yj! - yi!) + xi!)
      inside = !inside;
  }
  return inside;
}

/** Outer and inner rings as a polygon or multipolygon: each inner ring in the outer one holding it. */
export function multipolygon(
  outer: MemberWay[],
  inner: MemberWay[],
): Polygon | MultiPolygon | string {
  const outers = assembleRings(outer);
  if (typeof outers === 'string') return `outer ${outers}`;
  if (outers.length === 0) return 'the relation has no outer ring';
  const inners = assembleRings(inner);
  if (typeof inners === 'string') return `inner ${inners}`;
  const polygons: Position[][][] = outers.map((r) => [r]);
  for (const hole of inners) {
    const owner = polygons.find((p) => pointInRing(hole[0]!, p[0]!));
    if (owner) owner.push(hole);
  }
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0]! }
    : { type: 'MultiPolygon', coordinates: polygons };
}

function outerRings(f: SourceFeature): Position[][] {
  const g = f.geometry;
  if (g?.type === 'Polygon') return [g.coordinates[0]!];
  if (g?.type === 'MultiPolygon') return g.coordinates.map((p) => p[0]!);
  return [];
}

/** Tags a part takes from its building when it has none of its own. */
const INHERITED = [
  'building',
  'building:use',
  'name',
  'addr:street',
  'addr:housenumber',
  'addr:postcode',
  'start_date',
];
/** Grid cell for the outline index, degrees (~100 m). */
const CELL = 0.001;

/**
 * Buildings and their parts: every part is a building of its own (its `height`, `min_height`,
 * `building:levels`), with its outline's name and use where it has none; an outline holding a
 * part (the part's vertex centroid inside it) is left out as `building_outline`, so the ground
 * it covers is counted once.
 */
export function resolveParts(buildings: SourceFeature[], parts: SourceFeature[]): SourceFeature[] {
  const grid = new Map<string, number[]>();
  const bounds = buildings.map((b, i) => {
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (const r of outerRings(b))
      for (const [x, y] of r) {
        x0 = Math.min(x0, x!);
        y0 = Math.min(y0, y!);
        x1 = Math.max(x1, x!);
        y1 = Math.max(y1, y!);
      }
    if (Number.isFinite(x0) && x1 - x0 < 0.05 && y1 - y0 < 0.05) {
      for (let gx = Math.floor(x0 / CELL); gx <= Math.floor(x1 / CELL); gx++) {
        for (let gy = Math.floor(y0 / CELL); gy <= Math.floor(y1 / CELL); gy++) {
          const k = `${gx}:${gy}`;
          grid.set(k, [...(grid.get(k) ?? []), i]);
        }
      }
    }
    return [x0, y0, x1, y1];
  });
  const withParts = new Set<number>();
  const out: SourceFeature[] = [];
  for (const part of parts) {
    const ring = outerRings(part)[0];
    if (!ring) {
      out.push(part);
      continue;
    }
    const n = ring.length - 1 || 1;
    const c: Position = [
      ring.slice(0, n).reduce((s, p) => s + p[0]!, 0) / n,
      ring.slice(0, n).reduce((s, p) => s + p[1]!, 0) / n,
    ];
    const candidates = grid.get(`${Math.floor(c[0]! / CELL)}:${Math.floor(c[1]! / CELL)}`) ?? [];
    const owner = candidates.find((i) => {
      const [x0, y0, x1, y1] = bounds[i]!;
      return (
        c[0]! >= x0! &&
        c[0]! <= x1! &&
        c[1]! >= y0! &&
        c[1]! <= y1! &&
        outerRings(buildings[i]!).some((r) => pointInRing(c, r))
      );
    });
    if (owner !== undefined) {
      withParts.add(owner);
      const outline = buildings[owner]!;
      const props = { ...part.properties };
      for (const k of INHERITED)
        if (props[k] === undefined && outline.properties[k] !== undefined)
          props[k] = outline.properties[k];
      props['building:outline'] = outline.id;
      out.push({ ...part, properties: props });
    } else out.push(part);
  }
  buildings.forEach((b, i) => out.push(withParts.has(i) ? { ...b, group: 'building_outline' } : b));
  return out;
}
