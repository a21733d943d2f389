import type { MultiPolygon, Polygon, Position } from 'geojson';
import { union, type Geom } from 'polyclip-ts';
import type { SourceFeature } from '../source';

/**
 * What the CityJSON and CityGML readers share: a building as parts with 3D geometries per LoD,
 * turned into twin features — a 2D footprint, the height from the geometry, and (LoD2 and up)
 * the surfaces with their semantic types, z measured up from the building's ground.
 */

export type Vec3 = [number, number, number];

/** One polygon of a surface: closed rings (first position repeated last), exterior first. */
export interface Surface3 {
  /** Semantic type (`RoofSurface`, `WallSurface`, `GroundSurface`, …) or null when the file has none. */
  type: string | null;
  rings: Vec3[][];
}

export interface CityGeometry {
  /** As the file writes it: `2`, `2.2`, `1.3`. */
  lod: string;
  surfaces: Surface3[];
}

export interface CityPart {
  id: string;
  /** `Building` or `BuildingPart`. */
  type: string;
  attributes: Record<string, unknown>;
  geometries: CityGeometry[];
}

export interface CityBuilding {
  id: string;
  attributes: Record<string, unknown>;
  /** The building's own geometry (if any) first, then its BuildingParts. */
  parts: CityPart[];
}

export interface CityModelOptions {
  /** `--lod`: `2` takes the best of LoD 2.x; `1.3` the best up to 1.3. Default: the best ≤ 2.x. */
  lod?: string;
  /** `merge` (default): parts become one building; `keep`: each part is a building of its own. */
  buildingParts?: 'merge' | 'keep';
}

/** Surfaces are kept from this LoD up (below it an extrusion of the footprint is as good). */
const SURFACES_FROM_LOD = 2;

/** The largest LoD number a `--lod` value admits. */
export function lodLimit(lod?: string): number {
  if (lod === undefined || lod === '') return 2.99;
  const n = Number(lod);
  if (!Number.isFinite(n) || n < 0 || n > 4)
    throw new Error(
      `--lod must be a number from 0 to 4 (e.g. 2 or 1.3); got "${lod.slice(0, 20)}"`,
    );
  return /^\d+$/.test(lod.trim()) ? n + 0.99 : n;
}

/** The part's best geometry within the limit (several of that LoD are joined). */
function pickGeometry(part: CityPart, limit: number): CityGeometry | undefined {
  let best: number | undefined;
  for (const g of part.geometries) {
    const n = Number(g.lod);
    if (Number.isFinite(n) && n <= limit && (best === undefined || n > best)) best = n;
  }
  if (best === undefined) return undefined;
  const chosen = part.geometries.filter((g) => Number(g.lod) === best);
  return { lod: chosen[0]!.lod, surfaces: chosen.flatMap((g) => g.surfaces) };
}

/** Newell's normal of a ring (not normalised); its length is twice the ring's area. */
function normal(ring: Vec3[]): Vec3 {
  let nx = 0,
    ny = 0,
    nz = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x0, y0, z0] = ring[i]!;
    const [x1, y1, z1] = ring[i + 1]!;
    nx += (y0 - y1) * (z0 + z1);
    ny += (z0 - z1) * (x0 + x1);
    nz += (x0 - x1) * (y0 + y1);
  }
  return [nx, ny, nz];
}

/** Surfaces whose plan view covers ground: not vertical (within ~3°), not degenerate. */
function inPlan(s: Surface3): boolean {
  const [nx, ny, nz] = normal(s.rings[0]!);
  const len = Math.hypot(nx, ny, nz);
  return len > 0 && Math.abs(nz) / len > 0.05;
}

const plan = (ring: Vec3[]): [number, number][] => ring.map((p) => [p[0], p[1]]);

/**
 * The footprint: the union of the ground surfaces in plan, or where a model has none (LoD2
 * MultiSurfaces often do not), the union of every surface that is not a wall — roofs and the
 * solid's lowest rings cover the same ground.
 */
export function footprint(surfaces: Surface3[]): Polygon | MultiPolygon | null {
  const ground = surfaces.filter((s) => s.type === 'GroundSurface' && inPlan(s));
  const used = ground.length ? ground : surfaces.filter(inPlan);
  if (used.length === 0) return null;
  const polys: Geom[] = used.map((s) => s.rings.map(plan));
  let merged: [number, number][][][];
  try {
    merged = union(polys[0]!, ...polys.slice(1)) as [number, number][][][];
  } catch {
    return null;
  }
  if (merged.length === 0) return null;
  return merged.length === 1
    ? { type: 'Polygon', coordinates: merged[0]! as Position[][] }
    : { type: 'MultiPolygon', coordinates: merged as Position[][][] };
}

function zRange(surfaces: Surface3[]): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const s of surfaces)
    for (const r of s.rings)
      for (const p of r) {
        if (p[2] < lo) lo = p[2];
        if (p[2] > hi) hi = p[2];
      }
  return [lo, hi];
}

function feature(
  id: string,
  attributes: Record<string, unknown>,
  surfaces: Surface3[],
  lod: string,
  ground: number,
  problem?: string,
): SourceFeature {
  const geometry = footprint(surfaces);
  const [base, top] = zRange(surfaces);
  const properties = { ...attributes, cityobject_id: id, lod };
  if (!geometry) {
    return {
      type: 'feature',
      geometry: null,
      properties,
      id,
      group: 'building',
      problem: problem ?? `city object ${id} has no surface with a footprint at LoD ${lod}`,
    };
  }
  return {
    type: 'feature',
    geometry,
    properties,
    id,
    group: 'building',
    model3d: {
      lod,
      ground,
      top,
      base,
      surfaces: Number(lod) >= SURFACES_FROM_LOD ? surfaces : undefined,
    },
  };
}

/**
 * A building as twin features: one (parts merged: footprints united, ground the lowest z of
 * all, height to the highest) or one per part (`keep`: each with its own top and base, measured
 * from the building's common ground).
 */
export function buildingFeatures(b: CityBuilding, o: CityModelOptions): SourceFeature[] {
  const limit = lodLimit(o.lod);
  const chosen = b.parts
    .map((p) => ({ part: p, g: pickGeometry(p, limit) }))
    .filter((x) => x.g && x.g.surfaces.length > 0);
  const lods = [...new Set(b.parts.flatMap((p) => p.geometries.map((g) => g.lod)))].sort();
  if (chosen.length === 0) {
    const problem = lods.length
      ? `building ${b.id} has no geometry at LoD ≤ ${o.lod ?? 2} (it has LoD ${lods.join(', ')})`
      : `building ${b.id} has no geometry`;
    return [
      {
        type: 'feature',
        geometry: null,
        properties: { ...b.attributes, cityobject_id: b.id },
        id: b.id,
        group: 'building',
        problem,
      },
    ];
  }
  const all = chosen.flatMap((c) => c.g!.surfaces);
  const ground = zRange(all)[0];
  const lodOf = (gs: CityGeometry[]) =>
    gs.map((g) => g.lod).sort((x, y) => Number(y) - Number(x))[0]!;
  if (o.buildingParts === 'keep') {
    return chosen.map(({ part, g }) => {
      const attrs =
        part.id === b.id
          ? b.attributes
          : { ...b.attributes, ...part.attributes, building_id: b.id };
      return feature(part.id, { ...attrs, cityjson_type: part.type }, g!.surfaces, g!.lod, ground);
    });
  }
  const parts = chosen.filter((c) => c.part.id !== b.id).length;
  return [
    feature(
      b.id,
      { ...b.attributes, ...(parts ? { building_parts: parts } : {}) },
      all,
      lodOf(chosen.map((c) => c.g!)),
      ground,
    ),
  ];
}
