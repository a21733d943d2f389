import type { Cell, CityPlan, Landmark, LandmarkKind } from './plan-types';
import type { District } from './districts';
import { distance, type Position } from './geometry';
import type { Rng } from './prng';

export type { Landmark, LandmarkKind };

const COMPASS = [
  'East',
  'North-East',
  'North',
  'North-West',
  'West',
  'South-West',
  'South',
  'South-East',
];

const CHURCHES = [
  "St. Mary's Church",
  "St. John's Church",
  "St. Peter's Church",
  'Holy Trinity Church',
  "St. Anne's Church",
  "St. Paul's Church",
];

/**
 * Marks the blocks that hold the city's named civic buildings: a civic quarter around the
 * central crossing, a concert hall near the river, a cathedral, churches, a hospital, fire
 * stations, 4–6 electricity substations (one central, the rest round the suburbs) and a school
 * roughly every 850 m in the residential districts.
 */
export function placeLandmarks(rng: Rng, plan: CityPlan): void {
  const { grid, river, cells } = plan;
  const all = cells.flat();
  const free = (c: Cell | undefined, districts: District[], minBank = 110): c is Cell =>
    !!c &&
    !c.park &&
    !c.landmark &&
    districts.includes(c.district) &&
    river.bankDistance(c.centre) > minBank;
  const nearest = (target: Position, ok: (c: Cell) => boolean) => {
    let best: Cell | undefined;
    let bestDistance = Infinity;
    for (const c of all) {
      const d = distance(c.centre, target);
      if (d < bestDistance && ok(c)) {
        best = c;
        bestDistance = d;
      }
    }
    return best;
  };
  const mark = (c: Cell | undefined, kind: LandmarkKind, name: string) => {
    if (c) c.landmark = { kind, name };
  };

  const a0 = grid.cols.findIndex((l) => l.number === 0);
  const b0 = grid.rows.findIndex((l) => l.number === 0);
  const civic: [number, number, LandmarkKind, string][] = [
    [a0 - 1, b0, 'city-hall', 'City Hall'],
    [a0, b0, 'library', 'Central Library'],
    [a0 - 1, b0 - 1, 'museum', 'City Museum'],
    [a0, b0 - 1, 'court', 'Court House'],
  ];
  for (const [a, b, kind, name] of civic) {
    const c = plan.cell(a, b);
    if (!free(c, ['core'])) continue;
    mark(c, kind, name);
    c.zone = 'civic';
  }

  const onCircle = (radius: number, angle: number): Position => [
    radius * Math.cos(angle),
    radius * Math.sin(angle),
  ];
  const turn = rng.range(0, 2 * Math.PI);
  mark(
    nearest([0, river.centre(0)], (c) => free(c, ['core'], 60)),
    'concert-hall',
    'Concert Hall',
  );
  const cathedral = nearest(onCircle(450, turn), (c) => free(c, ['core']));
  mark(cathedral, 'cathedral', "St. Martin's Cathedral");
  mark(
    nearest(onCircle(1400, turn + 2), (c) => free(c, ['mid'])),
    'hospital',
    'General Hospital',
  );
  rng
    .shuffle(CHURCHES)
    .slice(0, 4)
    .forEach((name, i) => {
      const target = onCircle(rng.range(1100, 1800), turn + 0.6 + (i * Math.PI) / 2);
      mark(
        nearest(target, (c) => free(c, ['mid'])),
        'church',
        name,
      );
    });
  for (let i = 0; i < 6; i++) {
    const target = onCircle(i === 0 ? 600 : 2400, turn + 1.1 + (i * 2 * Math.PI) / 5);
    mark(
      nearest(target, (c) => free(c, ['core', 'mid', 'suburb', 'industrial'])),
      'fire-station',
      `Fire Station ${i + 1}`,
    );
  }

  const outer = rng.int(3, 5);
  const stations = new Set<string>();
  for (let i = 0; i <= outer; i++) {
    const angle = turn + 0.4 + (2 * Math.PI * i) / outer;
    const target = i === 0 ? onCircle(450, angle + Math.PI) : onCircle(2300, angle);
    const c = nearest(target, (x) => free(x, ['core', 'mid', 'suburb', 'industrial']));
    if (!c) continue;
    const sector = Math.round(Math.atan2(c.centre[1], c.centre[0]) / (Math.PI / 4));
    let name = i === 0 ? 'Central Substation' : `${COMPASS[(sector + 8) % 8]} Substation`;
    if (stations.has(name)) name = `${name} ${i + 1}`;
    stations.add(name);
    mark(c, 'substation', name);
  }

  const used = new Set<string>();
  const spacing = 850;
  for (let u = -4000 + spacing / 2; u < 4000; u += spacing) {
    for (let v = -4000 + spacing / 2; v < 4000; v += spacing) {
      const target: Position = [u + rng.range(-200, 200), v + rng.range(-200, 200)];
      const c = nearest(target, (x) => free(x, ['mid', 'suburb']));
      if (!c || distance(c.centre, target) > 300) continue;
      const level = rng.chance(0.25) ? 'High School' : 'Primary School';
      let name = `${plan.names.row(c.b)} ${level}`;
      if (used.has(name)) name = `${plan.names.col(c.a)} ${level}`;
      used.add(name);
      mark(c, 'school', name);
    }
  }
}
