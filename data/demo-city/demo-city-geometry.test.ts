import { describe, expect, it } from 'vitest';
import { pointInRing, segmentsIntersect, type Position } from './geometry';
import { boxOf, BoxIndex, type Box } from './box-index';
import { generateDemoCity } from './index';
import { lonLatToMercator } from './projection';

const CENTER: [number, number] = [5.1214, 52.0907];
const city = generateDemoCity({ seed: 42, center: CENTER });

type Segment = [Position, Position];
const segmentsOf = (ring: readonly Position[]): Segment[] =>
  ring.slice(1).map((p, i) => [ring[i]!, p]);
const exteriors = (geom: Position[][][]) => geom.map((polygon) => polygon[0]!);

/** Whether two polygon exteriors share any point: crossing edges or one inside the other. */
function ringsIntersect(a: Position[], b: Position[]): boolean {
  for (const [p, q] of segmentsOf(a)) {
    for (const [r, s] of segmentsOf(b)) if (segmentsIntersect(p, q, r, s)) return true;
  }
  return pointInRing(a[0]!, b) || pointInRing(b[0]!, a);
}

/** Whether a polyline touches a polygon exterior. */
function lineHitsRing(line: Position[], ring: Position[]): boolean {
  if (line.some((p) => pointInRing(p, ring))) return true;
  const edges = segmentsOf(ring);
  return segmentsOf(line).some(([p, q]) => edges.some(([r, s]) => segmentsIntersect(p, q, r, s)));
}

/** Point in a polygon given as [exterior, ...holes]. */
const inPolygon = (p: Position, [exterior, ...holes]: Position[][]) =>
  pointInRing(p, exterior!) && !holes.some((h) => pointInRing(p, h));

/** Edges of some land-use class, indexed for segment queries. */
function edgeIndex(landClass: string) {
  const index = new BoxIndex<Segment>();
  const rings: Position[][] = [];
  for (const row of city.land_use.filter((l) => l.class === landClass)) {
    for (const polygon of row.geom) {
      rings.push(...polygon);
      for (const seg of polygon.flatMap(segmentsOf)) index.insert(boxOf(seg), seg);
    }
  }
  const polygons = city.land_use.filter((l) => l.class === landClass).flatMap((l) => l.geom);
  const inside = (p: Position) => polygons.some((polygon) => inPolygon(p, polygon));
  const crosses = (line: Position[]) =>
    segmentsOf(line).some(([p, q]) =>
      index.query(boxOf([p, q])).some(([r, s]) => segmentsIntersect(p, q, r, s)),
    );
  return { inside, crosses, rings };
}

const footprints = city.buildings.map((b) => {
  const ring = exteriors(b.geom)[0]!;
  return { id: b.id, ring, box: boxOf(ring) };
});
const buildingIndex = new BoxIndex<(typeof footprints)[number]>();
for (const f of footprints) buildingIndex.insert(f.box, f);

describe('demo city geometry', () => {
  it('never overlaps two building footprints', () => {
    const clashes: string[] = [];
    for (const f of footprints) {
      for (const g of buildingIndex.query(f.box)) {
        if (g.id > f.id && ringsIntersect(f.ring, g.ring)) clashes.push(`${f.id}/${g.id}`);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('keeps buildings off the streets', () => {
    const hits: string[] = [];
    for (const link of city.road_links) {
      for (const f of buildingIndex.query(boxOf(link.geom))) {
        if (lineHitsRing(link.geom, f.ring)) hits.push(`link ${link.id} / building ${f.id}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('keeps buildings out of the river and the parks', () => {
    for (const landClass of ['water', 'park']) {
      const area = edgeIndex(landClass);
      const inside = footprints.filter((f) => f.ring.some(area.inside) || area.crosses(f.ring));
      expect(
        inside.map((f) => f.id),
        landClass,
      ).toEqual([]);
    }
  });

  it('lets only bridges cross the river', () => {
    const water = edgeIndex('water');
    const wet = city.road_links.filter((l) => water.crosses(l.geom) || l.geom.some(water.inside));
    expect(wet.length).toBeGreaterThan(0);
    for (const link of wet) {
      expect(link.attributes['bridge'], `link ${link.id} (${link.name})`).toBe(true);
      expect(['arterial', 'collector']).toContain(link.class);
    }
  });

  it('tiles the city with land-use polygons: each point in exactly one', () => {
    const [cx, cy] = lonLatToMercator(CENTER);
    const rows = city.land_use.map((l) => ({ l, box: boxOf(l.geom.flat(2)) }));
    const within = (p: Position, box: Box) =>
      p[0] >= box[0] && p[0] <= box[2] && p[1] >= box[1] && p[1] <= box[3];
    const misses: string[] = [];
    for (let i = -20; i <= 20; i++) {
      for (let j = -20; j <= 20; j++) {
        // A jittered 41 × 41 sample over the central 6 km (mercator metres are ~1.6 ground m here).
        const p: Position = [cx + i * 240 + 7.3 * j, cy + j * 240 - 5.1 * i];
        const hits = rows.filter(
          ({ l, box }) => within(p, box) && l.geom.some((polygon) => inPolygon(p, polygon)),
        );
        if (hits.length !== 1) {
          misses.push(`${p.join(',')}: ${hits.map((h) => h.l.name).join('+') || 'none'}`);
        }
      }
    }
    expect(misses).toEqual([]);
  });

  it('gives every land-use zone a name and the built zones a height limit', () => {
    const classes = new Set(city.land_use.map((l) => l.class));
    for (const c of ['water', 'park', 'commercial', 'mixed', 'residential', 'industrial']) {
      expect(classes).toContain(c);
    }
    expect(city.land_use.filter((l) => l.class === 'park').length).toBeGreaterThanOrEqual(4);
    for (const l of city.land_use) expect(l.name).toBeTruthy();
    const core = city.land_use.find((l) => l.class === 'commercial')!;
    expect(core.max_height_m).toBe(200);
  });
});
