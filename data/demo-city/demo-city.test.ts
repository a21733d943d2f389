import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { polylineLength, type Position } from './geometry';
import { DEMO_LAYERS, generateDemoCity, type DemoCity } from './index';
import { lonLatToMercator } from './projection';
import { pipeCapacity } from './water-network';

const CENTER: [number, number] = [5.1214, 52.0907];
const city = generateDemoCity({ seed: 42, center: CENTER });
/** Ground metres per EPSG:3857 metre at the centre's latitude. */
const GROUND = Math.cos((CENTER[1] * Math.PI) / 180);

const fingerprint = (c: DemoCity) => createHash('sha256').update(JSON.stringify(c)).digest('hex');

/** Nodes reachable from `starts` over undirected edges. */
function reach(edges: readonly { from_node: number; to_node: number }[], starts: number[]) {
  const adj = new Map<number, number[]>();
  for (const { from_node: p, to_node: q } of edges) {
    adj.set(p, [...(adj.get(p) ?? []), q]);
    adj.set(q, [...(adj.get(q) ?? []), p]);
  }
  const seen = new Set(starts);
  const queue = [...starts];
  while (queue.length > 0) {
    for (const next of adj.get(queue.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

const median = (values: number[]) =>
  values.slice().sort((p, q) => p - q)[Math.floor(values.length / 2)]!;
const same = (p: Position, q: Position) => p[0] === q[0] && p[1] === q[1];

describe('demo city generator', () => {
  it('gives byte-identical output for the same seed and centre', () => {
    expect(fingerprint(generateDemoCity({ seed: 42, center: CENTER }))).toBe(fingerprint(city));
  });

  it('gives a different city for a different seed', () => {
    const other = generateDemoCity({ seed: 7, center: CENTER });
    expect(fingerprint(other)).not.toBe(fingerprint(city));
    expect(other.buildings.length).toBeGreaterThanOrEqual(20000);
  });

  it('numbers every layer 1..n with unique ids', () => {
    for (const layer of DEMO_LAYERS) {
      const ids = city[layer].map((row) => row.id);
      expect(ids, layer).toEqual(ids.map((_, i) => i + 1));
    }
  });

  it('has at least 20,000 buildings and every other layer filled', () => {
    expect(city.buildings.length).toBeGreaterThanOrEqual(20000);
    expect(city.buildings.length).toBeLessThanOrEqual(32000);
    for (const layer of DEMO_LAYERS) expect(city[layer].length, layer).toBeGreaterThan(10);
  });

  it('is about 8 km across around the centre', () => {
    const xs = city.road_nodes.map((n) => n.geom[0]);
    const [cx] = lonLatToMercator(CENTER);
    const width = (Math.max(...xs) - Math.min(...xs)) * GROUND;
    expect(width).toBeGreaterThan(7000);
    expect(width).toBeLessThan(9500);
    expect(Math.abs((Math.max(...xs) + Math.min(...xs)) / 2 - cx) * GROUND).toBeLessThan(600);
  });
});

describe('demo city roads', () => {
  const nodes = new Map(city.road_nodes.map((n) => [n.id, n]));

  it('forms one connected component', () => {
    const reached = reach(city.road_links, [city.road_nodes[0]!.id]);
    expect(reached.size).toBe(city.road_nodes.length);
  });

  it('starts every link at its from_node and ends it at its to_node', () => {
    for (const link of city.road_links) {
      expect(same(link.geom[0]!, nodes.get(link.from_node)!.geom), `link ${link.id}`).toBe(true);
      expect(same(link.geom.at(-1)!, nodes.get(link.to_node)!.geom), `link ${link.id}`).toBe(true);
    }
  });

  it('stores ground lengths in metres, not mercator metres', () => {
    for (const link of city.road_links) {
      expect(Math.abs(link.length_m - polylineLength(link.geom) * GROUND)).toBeLessThan(0.05);
    }
    const locals = city.road_links.filter((l) => l.class === 'local' && !l.attributes['bridge']);
    expect(median(locals.map((l) => l.length_m))).toBeGreaterThan(100);
    expect(median(locals.map((l) => l.length_m))).toBeLessThan(130);
  });

  it('sizes lanes, speeds and capacities by class', () => {
    const perLane = { arterial: 900, collector: 800, local: 600 } as Record<string, number>;
    for (const link of city.road_links) {
      expect(link.capacity_veh_h).toBe(perLane[link.class]! * link.lanes);
      expect(link.name).toBeTruthy();
      if (link.class === 'arterial') expect([2, 3]).toContain(link.lanes);
      if (link.class === 'collector') expect([1, 2]).toContain(link.lanes);
      if (link.class === 'local') expect([link.lanes, link.speed_limit_kmh]).toEqual([1, 30]);
    }
    const oneway = city.road_links.filter((l) => l.oneway);
    expect(oneway.length).toBeGreaterThan(50);
    expect(oneway.every((l) => l.class === 'local')).toBe(true);
    expect(oneway.length).toBeLessThan(city.road_links.length * 0.2);
  });

  it('bridges the river on arterials and collectors only', () => {
    const bridges = city.road_links.filter((l) => l.attributes['bridge'] === true);
    expect(bridges.length).toBeGreaterThanOrEqual(6);
    expect(bridges.every((l) => l.class === 'arterial' || l.class === 'collector')).toBe(true);
  });
});

describe('demo city buildings', () => {
  const byDistrict = (district: string) =>
    city.buildings.filter((b) => b.attributes['district'] === district);

  it('makes the core clearly taller than the suburbs', () => {
    const core = median(
      byDistrict('core')
        .filter((b) => b.use !== 'civic')
        .map((b) => b.height_m),
    );
    const suburb = median(byDistrict('suburb').map((b) => b.height_m));
    expect(core).toBeGreaterThan(40);
    expect(suburb).toBeLessThanOrEqual(12);
    expect(Math.max(...city.buildings.map((b) => b.height_m))).toBeLessThanOrEqual(200);
    const industrial = byDistrict('industrial');
    const plain = industrial.filter((b) => b.attributes['landmark'] === undefined);
    expect(plain.every((b) => b.use === 'industrial')).toBe(true);
  });

  it('keeps height consistent with levels', () => {
    for (const b of city.buildings) {
      if (b.levels === null) continue;
      const perLevel = b.height_m / b.levels;
      expect(perLevel, `building ${b.id}`).toBeGreaterThan(2.8);
      expect(perLevel, `building ${b.id}`).toBeLessThan(6);
    }
  });

  it('names the civic landmarks', () => {
    const names = city.buildings.filter((b) => b.name).map((b) => b.name);
    const landmarks = ['City Hall', 'Central Library', 'General Hospital', 'Concert Hall'];
    expect(names).toEqual(expect.arrayContaining(landmarks));
    expect(names.filter((n) => n!.endsWith('School')).length).toBeGreaterThan(20);
  });

  it('closes every ring, exterior counter-clockwise', () => {
    for (const b of city.buildings) {
      for (const [ring, ...holes] of b.geom) {
        for (const r of [ring!, ...holes]) expect(same(r[0]!, r.at(-1)!)).toBe(true);
        let area = 0;
        for (let i = 1; i < ring!.length; i++) {
          area += ring![i - 1]![0] * ring![i]![1] - ring![i]![0] * ring![i - 1]![1];
        }
        expect(area, `building ${b.id}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('demo city utilities', () => {
  it('connects every water junction to the reservoir through pipes', () => {
    const reservoir = city.water_nodes.filter((n) => n.kind === 'reservoir');
    expect(reservoir).toHaveLength(1);
    const reached = reach(city.water_pipes, [reservoir[0]!.id]);
    expect(reached.size).toBe(city.water_nodes.length);
    const tanks = city.water_nodes.filter((n) => n.kind === 'tank').length;
    expect(tanks).toBeGreaterThanOrEqual(2);
    expect(tanks).toBeLessThanOrEqual(4);
    expect(reservoir[0]!.elevation_m!).toBeGreaterThan(
      median(city.water_nodes.map((n) => n.elevation_m!)) + 10,
    );
  });

  it('sizes pipes for the design peak: 100 mm and up, the pumping main widest, capacity at 1.5 m/s', () => {
    for (const pipe of city.water_pipes) {
      expect(pipe.capacity_l_s).toBeCloseTo(pipeCapacity(pipe.diameter_mm), 2);
      expect(pipe.diameter_mm).toBeGreaterThanOrEqual(100);
    }
    const pump = city.water_nodes.find((n) => n.kind === 'pump')!;
    const widest = Math.max(...city.water_pipes.map((p) => p.diameter_mm));
    expect(
      city.water_pipes
        .filter((p) => p.diameter_mm === widest)
        .every((p) => p.from_node === pump.id || p.to_node === pump.id),
    ).toBe(true);
    expect(pipeCapacity(300)).toBeCloseTo(106.03, 1);
  });

  it('feeds every transformer from a substation', () => {
    const substations = city.power_nodes.filter((n) => n.kind === 'substation');
    expect(substations.length).toBeGreaterThanOrEqual(3);
    expect(substations.length).toBeLessThanOrEqual(6);
    const reached = reach(
      city.power_lines.filter((l) => l.voltage_kv === 11),
      substations.map((s) => s.id),
    );
    for (const t of city.power_nodes.filter((n) => n.kind === 'transformer')) {
      expect(reached.has(t.id), `transformer ${t.id}`).toBe(true);
    }
    const grid = reach(
      city.power_lines.filter((l) => l.voltage_kv === 110),
      [substations[0]!.id],
    );
    expect(substations.every((s) => grid.has(s.id))).toBe(true);
  });
});
