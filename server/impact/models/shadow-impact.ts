import type { ShadowNeighbour, ShadowPark } from '../../../common/scenario-types';
import { mercatorLat } from '../point-index';
import {
  daySunPositions,
  defaultShadowDays,
  shadowPolygon,
  STEP_MINUTES,
  type StudyDay,
  type SunPosition,
} from '../shadow';
import { prism, PrismIndex, type Prism } from '../shadow-rays';
import type { HeightChange } from '../scenario-changes';
import { defineModel, round } from './model';
import { STUDY_RADIUS_M, type ShadowContext } from '../scenario-inputs';

/** Rays are followed this far towards the sun. */
const RAY_M = 800;
/** Façade sample points stand this high (a ground-floor window) and this far out of the wall. */
const WINDOW_HEIGHT_M = 1.5;
const WALL_OFFSET_M = 0.3;
/** Park sample points: at most this many per park, at least this far apart. */
const PARK_POINTS = 400;
const PARK_SPACING_M = 5;
/** BRE 209: at least half of an open space should see two hours of sun on 21 March. */
const BRE_HOURS = 2;
const BRE_SHARE = 0.5;

type Ring = [number, number][];
const R = 6_378_137;

/** The polygons (outer ring first, each ring at least a triangle) of a (Multi)Polygon. */
function rings(geojson: string): Ring[][] {
  const g = JSON.parse(geojson) as { type: string; coordinates: unknown };
  const polys =
    g.type === 'Polygon'
      ? [g.coordinates as Ring[]]
      : g.type === 'MultiPolygon'
        ? (g.coordinates as Ring[][])
        : [];
  return polys.filter((p) => p.length > 0 && p[0]!.length >= 4);
}

/** EPSG:3857 → local ground metres around (x0, y0): the mercator scale cos(lat) is constant over a few km. */
function localFrame(x0: number, y0: number) {
  const k = Math.cos((mercatorLat(y0) * Math.PI) / 180);
  return { k, to: ([x, y]: [number, number]): [number, number] => [(x - x0) * k, (y - y0) * k] };
}

interface FacadePoint {
  x: number;
  y: number;
  /** Outward unit normal. */
  nx: number;
  ny: number;
}

/** Points along each wall of a footprint (local metres), with the wall's outward normal. */
export function facadePoints(ring: Ring): FacadePoint[] {
  let area = 0;
  for (let i = 0; i + 1 < ring.length; i++)
    area += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  const ccw = area > 0;
  const out: FacadePoint[] = [];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i]!;
    const [bx, by] = ring[i + 1]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (len < 2) continue;
    const nx = (ccw ? by - ay : ay - by) / len;
    const ny = (ccw ? ax - bx : bx - ax) / len;
    const n = Math.max(1, Math.min(4, Math.round(len / 10)));
    for (let j = 0; j < n; j++) {
      const t = (j + 0.5) / n;
      out.push({
        x: ax + t * (bx - ax) + nx * WALL_OFFSET_M,
        y: ay + t * (by - ay) + ny * WALL_OFFSET_M,
        nx,
        ny,
      });
    }
  }
  return out;
}

/** Even–odd point in polygon over all its rings (holes included). */
function inside(polygon: Ring[], x: number, y: number): boolean {
  let c = false;
  for (const ring of polygon) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
    }
  }
  return c;
}

/** Grid points inside a park (local metres) within `radius` of the origin, at most PARK_POINTS. */
function parkPoints(polygons: Ring[][], radius: number): [number, number][] {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const poly of polygons)
    for (const [x, y] of poly[0]!) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  [minX, minY, maxX, maxY] = [
    Math.max(minX, -radius),
    Math.max(minY, -radius),
    Math.min(maxX, radius),
    Math.min(maxY, radius),
  ];
  if (!(maxX > minX && maxY > minY)) return [];
  let spacing = Math.max(PARK_SPACING_M, Math.sqrt(((maxX - minX) * (maxY - minY)) / PARK_POINTS));
  for (;;) {
    const pts: [number, number][] = [];
    for (let x = minX + spacing / 2; x < maxX; x += spacing) {
      for (let y = minY + spacing / 2; y < maxY; y += spacing) {
        if (x * x + y * y <= radius * radius && polygons.some((p) => inside(p, x, y)))
          pts.push([x, y]);
      }
    }
    if (pts.length <= PARK_POINTS) return pts;
    spacing *= Math.sqrt(pts.length / PARK_POINTS) * 1.01;
  }
}

const sunDir = (s: SunPosition) => {
  const az = (s.azimuthDeg * Math.PI) / 180;
  return [Math.sin(az), Math.cos(az)] as const;
};

export interface ShadowStudyInput {
  sources: HeightChange[];
  removed: ReadonlySet<string>;
  /** Baseline buildings whose height the scenario changes (they are replaced by their source). */
  changed: ReadonlySet<string>;
  context: ShadowContext;
  days?: StudyDay[];
}

/**
 * New shade only: sun hours lost at the façades of neighbouring buildings (ground-floor windows,
 * the worst window of each building) on each study day, and the share of each park with at
 * least two hours of sun on 21 March before and after (BRE 209). The sun every 10 minutes (SPA);
 * a step counts as lost where the sun reached a point past every existing building and a new or
 * raised building now blocks it, so a proposal inside an existing building's shadow adds none.
 */
export function shadowStudy({ sources: all, removed, changed, context, days }: ShadowStudyInput) {
  const studyDays = days ?? defaultShadowDays(new Date().getUTCFullYear());
  const sources = all.filter((s) => s.heightM > s.baseHeightM && s.rings.length > 0);
  const dayInfo = (suns: SunPosition[][]) =>
    studyDays.map((d, i) => ({
      label: d.label,
      date: d.date.toISOString().slice(0, 10),
      steps: suns[i]?.length ?? 0,
      step_minutes: STEP_MINUTES,
    }));
  const sun = { algorithm: 'NREL SPA (Reda & Andreas 2004) via sunrise-sunset-js, every 10 min' };
  if (sources.length === 0) {
    return {
      days: dayInfo([]),
      neighbours: [] as ShadowNeighbour[],
      parks: [] as ShadowPark[],
      sun,
      layer: { type: 'FeatureCollection' as const, features: [] as unknown[] },
    };
  }
  const [x0, y0] = sources[0]!.rings[0]![0]!;
  const lat = mercatorLat(y0);
  const lon = (x0 / R) * (180 / Math.PI);
  const frame = localFrame(x0, y0);
  const suns = studyDays.map((d) => daySunPositions(d.date, lon, lat));

  const sourcePrisms: Prism[] = sources.flatMap((s) =>
    s.rings.map((r) => prism(r.map(frame.to), s.heightM)),
  );
  const sourceIndex = new PrismIndex(sourcePrisms);
  const near = (p: Prism, m: number) =>
    sourcePrisms.some((s) => Math.hypot(s.cx - p.cx, s.cy - p.cy) <= m + s.radius + p.radius);
  const existing = context.buildings.flatMap((b) =>
    rings(b.geojson).map((poly) => ({ b, p: prism(poly[0]!.map(frame.to), b.height) })),
  );
  const before = new PrismIndex(existing.map((e) => e.p));
  const gone = (i: number) => removed.has(existing[i]!.b.id) || changed.has(existing[i]!.b.id);

  // Neighbours: façade points of existing buildings within the study radius.
  const neighbours: ShadowNeighbour[] = [];
  const byBuilding = new Map<string, { name: string | null; lost: number[] }>();
  for (const { b, p } of existing) {
    if (removed.has(b.id) || changed.has(b.id) || !near(p, STUDY_RADIUS_M)) continue;
    const ring: Ring = [];
    for (let i = 0; i < p.ring.length; i += 2) ring.push([p.ring[i]!, p.ring[i + 1]!]);
    for (const f of facadePoints(ring)) {
      const lost = suns.map((day) => {
        let steps = 0;
        for (const s of day) {
          const [dx, dy] = sunDir(s);
          if (f.nx * dx + f.ny * dy <= 0) continue; // the wall faces away from the sun
          if (!sourceIndex.blocks(f.x, f.y, WINDOW_HEIGHT_M, s.azimuthDeg, s.altitudeDeg, RAY_M))
            continue;
          if (!before.blocks(f.x, f.y, WINDOW_HEIGHT_M, s.azimuthDeg, s.altitudeDeg, RAY_M))
            steps++;
        }
        return (steps * STEP_MINUTES) / 60;
      });
      const entry = byBuilding.get(b.id) ?? { name: b.name, lost: studyDays.map(() => 0) };
      entry.lost = entry.lost.map((v, i) => Math.max(v, lost[i]!));
      byBuilding.set(b.id, entry);
    }
  }
  for (const [id, e] of byBuilding) {
    const total = e.lost.reduce((s, v) => s + v, 0);
    if (total <= 0) continue;
    neighbours.push({
      building_id: id,
      name: e.name,
      hours_lost: Object.fromEntries(studyDays.map((d, i) => [d.label, round(e.lost[i]!, 2)])),
      total_hours_lost: round(total, 2),
    });
  }
  neighbours.sort((a, b) => b.total_hours_lost - a.total_hours_lost);

  // Parks: the BRE 209 two-hour test on 21 March (the first study day).
  const march = suns[0] ?? [];
  const parks: ShadowPark[] = [];
  for (const park of context.parks) {
    const polys = rings(park.geojson).map((poly) => poly.map((r) => r.map(frame.to)));
    const pts = parkPoints(polys, STUDY_RADIUS_M);
    if (pts.length === 0) continue;
    let okBefore = 0;
    let okAfter = 0;
    let lostAny = false;
    for (const [px, py] of pts) {
      let hb = 0;
      let ha = 0;
      for (const s of march) {
        const litBefore = !before.blocks(px, py, 0, s.azimuthDeg, s.altitudeDeg, RAY_M);
        const blockedNew = sourceIndex.blocks(px, py, 0, s.azimuthDeg, s.altitudeDeg, RAY_M);
        const litAfter =
          !blockedNew &&
          (litBefore || !before.blocks(px, py, 0, s.azimuthDeg, s.altitudeDeg, RAY_M, gone));
        if (litBefore) hb++;
        if (litAfter) ha++;
        if (litBefore && !litAfter) lostAny = true;
      }
      if ((hb * STEP_MINUTES) / 60 >= BRE_HOURS) okBefore++;
      if ((ha * STEP_MINUTES) / 60 >= BRE_HOURS) okAfter++;
    }
    // Parks the proposal takes no sun from are not listed (its shade fell where there was none).
    if (!lostAny && okBefore === okAfter) continue;
    const after = okAfter / pts.length;
    parks.push({
      land_use_id: park.id,
      name: park.name,
      sunlit_2h_share_before: round(okBefore / pts.length, 3),
      sunlit_2h_share_after: round(after, 3),
      passes_bre: after >= BRE_SHARE || after >= 0.8 * (okBefore / pts.length),
    });
  }

  // Map layer: the ground shadow each new or raised building casts, on the hour.
  const features: unknown[] = [];
  studyDays.forEach((d, i) => {
    suns[i]!.forEach((s, k) => {
      if (k % (60 / STEP_MINUTES) !== 0 || s.altitudeDeg < 2) return;
      for (const src of sources) {
        for (const ring of src.rings) {
          const poly = shadowPolygon(ring, src.heightM, s, lat).map(([x, y]) => [
            round((x / R) * (180 / Math.PI), 6),
            round(mercatorLat(y), 6),
          ]);
          features.push({
            type: 'Feature',
            geometry: { type: 'Polygon', coordinates: [poly] },
            properties: { day: d.label, time: s.time.toISOString(), edit_id: src.editId },
          });
        }
      }
    });
  });
  return {
    days: dayInfo(suns),
    neighbours,
    parks,
    sun,
    layer: { type: 'FeatureCollection' as const, features },
  };
}

/** New shade from the scenario's new or raised buildings on neighbours and parks. */
export const shadowModel = defineModel('shadow', ({ changes, inputs }) =>
  shadowStudy({
    sources: changes.heights,
    removed: changes.removed,
    changed: new Set(changes.heights.flatMap((h) => (h.buildingId ? [h.buildingId] : []))),
    context: inputs.shadow,
    days: inputs.shadowDays,
  }),
);
