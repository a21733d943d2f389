import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Geometry } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WGS84 } from '../../server/imports/crs';
import { checkGeometry } from '../../server/imports/geometry';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../support/backends';
import { SHARED_DATA } from './support';

const MANHATTAN = join(SHARED_DATA, 'manhattan/manhattan_midtown_buildings_osm.geojson');
if (!existsSync(MANHATTAN))
  console.warn(`\n[skipped] simple rings of real footprints: ${MANHATTAN} is absent.\n`);

type Ring = [number, number][];
const polygon = (ring: Ring): Geometry => ({ type: 'Polygon', coordinates: [ring] });
const closed = (pts: Ring): Ring => [...pts, pts[0]!];

/** `x y, x y, …`: a ring's positions; the closing one is added. */
const ring = (text: string): Ring =>
  closed(text.split(',').map((p) => p.trim().split(' ').map(Number) as [number, number]));

/** Hand-made rings (the expected answers are in the first test). */
const CASES: { name: string; ring: Ring }[] = [
  { name: 'square', ring: ring('5 52, 5.001 52, 5.001 52.001, 5 52.001') },
  { name: 'triangle', ring: ring('5 52, 5.001 52, 5 52.001') },
  { name: 'L shape', ring: ring('0 0, 2 0, 2 1, 1 1, 1 2, 0 2') },
  { name: 'bow-tie', ring: ring('0 0, 1 1, 1 0, 0 1') },
  { name: 'figure eight through a vertex', ring: ring('0 0, 1 1, 2 0, 2 2, 1 1, 0 2') },
  { name: 'spike back along an edge', ring: ring('0 0, 2 0, 1 0, 1 1') },
  { name: 'vertex on another edge', ring: ring('0 0, 2 0, 2 2, 1 0, 0 2') },
  { name: 'collinear vertex', ring: ring('0 0, 1 0, 2 0, 2 1, 0 1') },
  { name: 'repeated vertex', ring: ring('0 0, 1 0, 1 0, 1 1, 0 1') },
  { name: 'all on one line', ring: ring('0 0, 1 1, 2 2') },
  // A vertex exactly on a sloped edge (a touch: invalid), and one 1e-300 above an edge (valid):
  // only exact arithmetic tells such rings apart.
  { name: 'vertex on a sloped edge', ring: ring('0 0, 3 1, 3 3, 1.5 0.5, 0 2') },
  { name: 'vertex 1e-300 above an edge', ring: ring('0 0, 1 0, 1 1, 0.5 1e-300, 0 1') },
  { name: 'thin but simple', ring: ring('0 0, 1 0, 1 1e-9, 0 2e-9') },
];

/** Seeded random rings of 3–11 edges in a small box: many cross themselves, many do not. */
function randomRings(n: number): Ring[] {
  let s = 7;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const k = 3 + Math.floor(rnd() * 9);
    const cx = -73.98 + rnd() * 0.01;
    const cy = 40.75 + rnd() * 0.01;
    // Half star-shaped (sorted by angle: simple), half in random order (often crossing).
    const pts = Array.from({ length: k }, () => ({
      a: rnd() * 2 * Math.PI,
      r: 1e-5 + rnd() * 1e-4,
    }));
    if (rnd() < 0.5) pts.sort((p, q) => p.a - q.a);
    return closed(
      pts.map(({ a, r }): [number, number] => [cx + r * Math.cos(a), cy + r * Math.sin(a)]),
    );
  });
}

describe.each(BACKENDS)('polygons proved simple before staging agree with GEOS on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(() => database?.dispose());

  /** ST_IsValid of each staged geometry (hex EWKB, as the import stages it). */
  async function geosValid(hex: string[]): Promise<boolean[]> {
    const { rows } = await sql<{ valid: boolean }>`
      SELECT ST_IsValid(ST_GeomFromEWKB(decode(h, 'hex'))) AS valid
      FROM jsonb_array_elements_text(${JSON.stringify(hex)}::text::jsonb) WITH ORDINALITY AS t(h, i)
      ORDER BY i`.execute(database.backend.db);
    return rows.map((r) => r.valid);
  }

  /** Checks every geometry as the import does; counts what was proved simple and what is valid. */
  async function compare(geometries: Geometry[]) {
    const staged = geometries.flatMap((g) => {
      const c = checkGeometry(g, WGS84);
      return c.ok ? [c] : [];
    });
    const valid = await geosValid(staged.map((c) => c.geom));
    return {
      wrong: staged.filter((c, i) => c.simple && !valid[i]).length,
      simple: staged.filter((c) => c.simple).length,
      valid: valid.filter(Boolean).length,
      staged: staged.length,
    };
  }

  it('proves simple only rings GEOS finds valid, and the common shapes are proved', async () => {
    const checked = CASES.map((c) => ({
      name: c.name,
      result: checkGeometry(polygon(c.ring), WGS84),
    }));
    const valid = await geosValid(checked.map((c) => (c.result.ok ? c.result.geom : '')));
    expect(
      checked.map((c, i) => ({
        name: c.name,
        simple: c.result.ok && c.result.simple,
        valid: valid[i],
      })),
    ).toEqual([
      { name: 'square', simple: true, valid: true },
      { name: 'triangle', simple: true, valid: true },
      { name: 'L shape', simple: true, valid: true },
      { name: 'bow-tie', simple: false, valid: false },
      { name: 'figure eight through a vertex', simple: false, valid: false },
      { name: 'spike back along an edge', simple: false, valid: false },
      { name: 'vertex on another edge', simple: false, valid: false },
      // Valid, but left to GEOS: the check is conservative.
      { name: 'collinear vertex', simple: false, valid: true },
      { name: 'repeated vertex', simple: false, valid: true },
      { name: 'all on one line', simple: false, valid: false },
      { name: 'vertex on a sloped edge', simple: false, valid: false },
      { name: 'vertex 1e-300 above an edge', simple: true, valid: true },
      { name: 'thin but simple', simple: true, valid: true },
    ]);
  });

  it('never calls a random ring simple that GEOS finds invalid', async () => {
    const r = await compare(randomRings(3000).map(polygon));
    expect(r.wrong).toBe(0);
    expect(r.valid).toBeLessThan(r.staged);
    // Nearly every valid random ring is proved here.
    expect(r.simple).toBeGreaterThan(r.valid * 0.9);
  });

  it.skipIf(!existsSync(MANHATTAN))(
    'never calls a Manhattan footprint simple that GEOS finds invalid (OpenStreetMap buildings)',
    async () => {
      const fc = JSON.parse(readFileSync(MANHATTAN, 'utf8')) as {
        features: { geometry: Geometry | null }[];
      };
      const polygons = fc.features
        .map((f) => f.geometry)
        .filter((g): g is Geometry => g?.type === 'Polygon' || g?.type === 'MultiPolygon');
      const r = await compare(polygons);
      expect(r.wrong).toBe(0);
      expect(r.staged).toBeGreaterThan(1000);
      // The point of the check: nearly every real footprint needs no ST_IsValid.
      expect(r.simple).toBeGreaterThan(r.staged * 0.8);
    },
  );
});
