import type { TileFeatureGeometry } from './mvt-encoder';
import type { FlatGeometry, Position, Ring } from './wkb';

export type GeometryKind = 'point' | 'line' | 'polygon';

/**
 * Finishes geometry that SQL has put in tile space (snapped, then clipped to the buffer) the way
 * ST_AsMVTGeom does: rounds the points the clip added, drops repeated vertices and collapsed
 * parts, and orients rings (exterior: positive area in tile space, y down).
 * Returns null when nothing is left.
 */
export function toTileGeometry(flat: FlatGeometry, kind: GeometryKind): TileFeatureGeometry | null {
  const project = (p: Position): Position => [Math.round(p[0]), Math.round(p[1])];

  if (kind === 'point') {
    const points = flat.points.map(project);
    return points.length > 0 ? { type: 'Point', points } : null;
  }
  if (kind === 'line') {
    const lines = flat.lines.map((l) => dedupe(l.map(project))).filter((l) => l.length >= 2);
    return lines.length > 0 ? { type: 'LineString', lines } : null;
  }
  const rings: Ring[] = [];
  for (const polygon of flat.polygons) {
    const [outer, ...holes] = polygon.map((r) => closeRing(dedupe(r.map(project))));
    if (!outer || outer.length < 4 || ringArea(outer) === 0) continue;
    rings.push(orient(outer, true));
    for (const hole of holes) {
      if (hole.length >= 4 && ringArea(hole) !== 0) rings.push(orient(hole, false));
    }
  }
  return rings.length > 0 ? { type: 'Polygon', rings } : null;
}

function dedupe(path: Position[]): Position[] {
  const out: Position[] = [];
  for (const p of path) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

function closeRing(ring: Ring): Ring {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) ring.push(first);
  return ring;
}

/** Twice the signed area (surveyor's formula) in tile coordinates, y down. */
export function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    sum += (ring[j]![0] - ring[i]![0]) * (ring[i]![1] + ring[j]![1]);
  }
  return sum;
}

function orient(ring: Ring, exterior: boolean): Ring {
  return ringArea(ring) > 0 === exterior ? ring : ring.slice().reverse();
}
