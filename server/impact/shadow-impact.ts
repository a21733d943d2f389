import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { mercatorLat } from './point-index';
import { defaultShadowDays, hourlySunPositions, ringWkt, shadowPolygon } from './shadow';

const R = 6_378_137;

/** An added or raised building whose shadow is studied. `shape`: GeoJSON, EPSG:3857. */
export interface ShadowSource {
  editId: string;
  buildingId: string | null;
  shape: string;
  heightM: number;
  /** Height before the scenario (0 for added buildings): only the shadow beyond it counts. */
  baseHeightM: number;
}

type Ring = [number, number][];

function outerRings(shape: string): Ring[] {
  const g = JSON.parse(shape) as { type: string; coordinates: unknown };
  if (g.type === 'Polygon') return [(g.coordinates as Ring[])[0]!];
  if (g.type === 'MultiPolygon') return (g.coordinates as Ring[][]).map((p) => p[0]!);
  return [];
}

const multiWkt = (rings: Ring[]) => `GEOMETRYCOLLECTION(${rings.map(ringWkt).join(',')})`;

/**
 * Hours of added shadow on neighbouring buildings and parks: for each day, the sun every whole
 * hour from sunrise to sunset; each source's shadow that hour (minus the shadow it cast before,
 * for raised buildings); a neighbour counts an hour when that shadow covers more than 1 m² of it.
 * Buildings the scenario changes or demolishes are not neighbours.
 */
export async function shadowImpact(
  db: Kysely<Database>,
  sources: readonly ShadowSource[],
  excludedBuildingIds: readonly string[],
  days = defaultShadowDays(new Date().getUTCFullYear()),
) {
  if (sources.length === 0) {
    return { days: days.map((d) => ({ label: d.label, date: d.date.toISOString().slice(0, 10), sun_hours: 0 })), neighbours: [], parks: [], layer: { type: 'FeatureCollection', features: [] } };
  }
  const rows: { day: string; hour: string; wkt: string; old: string | null; edit: string }[] = [];
  const dayInfo = [];
  for (const day of days) {
    let sunHours = 0;
    for (const s of sources) {
      const rings = outerRings(s.shape);
      if (rings.length === 0) continue;
      const [x, y] = rings[0]![0]!;
      const lat = mercatorLat(y);
      const lon = (x / R) * (180 / Math.PI);
      const suns = hourlySunPositions(day.date, lon, lat);
      sunHours = Math.max(sunHours, suns.length);
      for (const sun of suns) {
        const now = rings.map((r) => shadowPolygon(r, s.heightM, sun, lat));
        const before = s.baseHeightM > 0 ? rings.map((r) => shadowPolygon(r, s.baseHeightM, sun, lat)) : null;
        rows.push({ day: day.label, hour: sun.time.toISOString(), wkt: multiWkt(now), old: before ? multiWkt(before) : null, edit: s.editId });
      }
    }
    dayInfo.push({ label: day.label, date: day.date.toISOString().slice(0, 10), sun_hours: sunHours });
  }
  const json = JSON.stringify(rows);
  const excluded = JSON.stringify(excludedBuildingIds.map(String));
  const shadows = sql`
    SELECT day, hour, edit,
      CASE WHEN old IS NULL THEN g ELSE ST_Difference(g, old) END AS geom
    FROM (SELECT r.day, r.hour, r.edit, ST_UnaryUnion(ST_GeomFromText(r.wkt, 3857)) AS g,
            ST_UnaryUnion(ST_GeomFromText(r.old, 3857)) AS old
          FROM jsonb_to_recordset(${json}::text::jsonb) AS r(day text, hour text, wkt text, old text, edit text)) AS q`;
  const { rows: hits } = await sql<{ target: string; id: string; name: string | null; day: string; hours: number }>`
    WITH s AS MATERIALIZED (${shadows})
    SELECT 'building' AS target, b.id::text AS id, b.name, s.day, count(DISTINCT s.hour)::int AS hours
    FROM s JOIN buildings b ON b.geom && s.geom AND ST_Intersects(b.geom, s.geom)
    WHERE b.id::text NOT IN (SELECT jsonb_array_elements_text(${excluded}::text::jsonb))
      AND ST_Area(ST_Intersection(b.geom, s.geom)) * cos(radians(ST_Y(ST_Transform(ST_Centroid(b.geom), 4326)))) ^ 2 > 1
    GROUP BY b.id, b.name, s.day
    UNION ALL
    SELECT 'park', lu.id::text, lu.name, s.day, count(DISTINCT s.hour)::int
    FROM s JOIN land_use lu ON lu.geom && s.geom AND ST_Intersects(lu.geom, s.geom)
    WHERE lu.class IN ('park', 'forest')
    GROUP BY lu.id, lu.name, s.day`.execute(db);
  const { rows: polys } = await sql<{ day: string; hour: string; edit: string; geojson: string }>`
    SELECT day, hour, edit, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS geojson
    FROM (${shadows}) AS s WHERE NOT ST_IsEmpty(geom) ORDER BY day, hour`.execute(db);

  const collect = (target: string) => {
    const byId = new Map<string, { id: string; name: string | null; hours: Record<string, number>; total_hours: number }>();
    for (const h of hits.filter((r) => r.target === target)) {
      let e = byId.get(h.id);
      if (!e) byId.set(h.id, (e = { id: h.id, name: h.name, hours: Object.fromEntries(days.map((d) => [d.label, 0])), total_hours: 0 }));
      e.hours[h.day] = Number(h.hours);
      e.total_hours += Number(h.hours);
    }
    return [...byId.values()].sort((a, b) => b.total_hours - a.total_hours);
  };
  return {
    days: dayInfo,
    neighbours: collect('building').map(({ id, ...r }) => ({ building_id: id, ...r })),
    parks: collect('park').map(({ id, ...r }) => ({ land_use_id: id, ...r })),
    layer: {
      type: 'FeatureCollection',
      features: polys.map((p) => ({
        type: 'Feature',
        geometry: JSON.parse(p.geojson),
        properties: { day: p.day, time: p.hour, edit_id: p.edit },
      })),
    },
  };
}
