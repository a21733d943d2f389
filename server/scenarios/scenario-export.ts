import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { ImpactResult } from './impact-service';

/** The scenario's edits as GeoJSON (WGS84): added geometry, or the baseline feature an edit targets. */
export async function editsGeoJson(db: Kysely<Database>, scenarioId: string) {
  const { rows } = await sql<{ id: string; seq: number; kind: string; payload: unknown; geojson: string | null }>`
    SELECT e.id::text AS id, e.seq, e.kind, e.payload,
      ST_AsGeoJSON(ST_Transform(coalesce(e.geom,
        CASE WHEN e.kind IN ('change_building', 'demolish_building')
               THEN (SELECT b.geom FROM buildings b WHERE b.id = e.target_id)
             WHEN e.kind = 'edit_road' THEN (SELECT l.geom FROM road_links l WHERE l.id = e.target_id) END), 4326), 7) AS geojson
    FROM scenario_edits e WHERE e.scenario_id = ${scenarioId}::uuid ORDER BY e.seq`.execute(db);
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;
      const { geometry: _ignored, ...properties } = payload;
      return {
        type: 'Feature' as const,
        id: Number(r.id),
        geometry: r.geojson ? JSON.parse(r.geojson) : null,
        properties: { ...properties, edit_id: r.id, seq: Number(r.seq) },
      };
    }),
  };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Cells starting with = + - @ are prefixed so spreadsheets do not run them as formulas.
  const safe = /^[=+\-@]/.test(s) && !/^-?[0-9.]+$/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The impact report as CSV: one row per figure with baseline, scenario, delta, unit and sources. */
export function impactCsv(r: ImpactResult): string {
  const rows: unknown[][] = [['section', 'metric', 'baseline', 'scenario', 'delta', 'unit', 'sources']];
  const sources = (fs: { key: string; source: string }[]) => fs.map((f) => `${f.key}: ${f.source}`).join(' | ');
  const units: Record<string, string> = { gfa_m2: 'm²', nia_m2: 'm²', dwellings: 'dwellings', residents: 'persons', jobs: 'jobs' };
  for (const k of ['gfa_m2', 'nia_m2', 'dwellings', 'residents', 'jobs'] as const) {
    rows.push(['yield', k, r.yield.baseline[k], r.yield.scenario[k], r.yield.delta[k], units[k], sources(r.yield.factors)]);
  }
  const tu: Record<string, string> = { vehicle_km: 'veh·km/h', vehicle_hours: 'veh·h/h', mean_delay_s: 's', trips: 'veh/h' };
  for (const k of ['vehicle_km', 'vehicle_hours', 'mean_delay_s', 'trips'] as const) {
    const v = r.traffic.kpis[k];
    rows.push(['traffic', k, v.baseline, v.scenario, v.delta, tu[k], sources(r.traffic.factors)]);
  }
  for (const net of ['water', 'power'] as const) {
    const s = r.utilities[net];
    rows.push(['utilities', `${net}_demand`, s.baseline.demand, s.scenario.demand, s.delta.demand, s.unit, sources(r.utilities.factors)]);
    rows.push(['utilities', `${net}_assets_over_capacity`, s.baseline.over_capacity, s.scenario.over_capacity, s.delta.over_capacity, 'assets', '']);
  }
  for (const f of r.utilities.flagged) rows.push(['utilities_flagged', `${f.asset} ${f.id}`, f.baseline_load, f.load, f.headroom, f.unit, '']);
  for (const n of r.shadow.neighbours) rows.push(['shadow', `building ${n.building_id}`, 0, n.total_hours, n.total_hours, 'hours', '']);
  for (const p of r.shadow.parks) rows.push(['shadow', `park ${p.land_use_id}`, 0, p.total_hours, p.total_hours, 'hours', '']);
  for (const z of r.zoning.flagged) rows.push(['zoning', `edit ${z.edit_id}`, z.max_height_m, z.height_m, z.excess_m, 'm', `land_use ${z.zone_id}`]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export const IMPACT_LAYERS = ['traffic', 'utilities', 'shadow'] as const;
export type ImpactLayer = (typeof IMPACT_LAYERS)[number];

/** WGS84 GeoJSON of rows of one table by id (ids bound as one JSON parameter). */
async function geometries(db: Kysely<Database>, table: 'road_links' | 'water_pipes' | 'water_nodes' | 'power_lines' | 'power_nodes', ids: string[]) {
  if (ids.length === 0) return new Map<string, unknown>();
  const { rows } = await sql<{ id: string; g: string }>`
    SELECT id::text AS id, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS g FROM ${sql.table(table)}
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb)::bigint)`.execute(db);
  return new Map(rows.map((r) => [r.id, JSON.parse(r.g)]));
}

/**
 * An impact result as a map layer (GeoJSON, WGS84): `traffic` — links whose volume changes, with
 * volume, v/c, time and change; `utilities` — pipes, lines and nodes whose load changes, with
 * load ÷ capacity and headroom; `shadow` — the added shadow polygons per hour.
 */
export async function impactLayer(db: Kysely<Database>, r: ImpactResult, layer: ImpactLayer) {
  if (layer === 'shadow') return r.shadow.layer;
  if (layer === 'traffic') {
    const links = r.traffic.links as { link_id: string | null; edit_id: string | null }[];
    const geom = await geometries(db, 'road_links', links.flatMap((l) => (l.link_id ? [l.link_id] : [])));
    const added = await addedRoadGeometries(db, r.scenario.id);
    return {
      type: 'FeatureCollection',
      features: links.flatMap((l) => {
        const g = l.link_id ? geom.get(l.link_id) : l.edit_id ? added.get(l.edit_id) : undefined;
        return g ? [{ type: 'Feature', geometry: g, properties: l }] : [];
      }),
    };
  }
  const assets = r.utilities.assets as { asset: string; id: string }[];
  const tables = { water_pipe: 'water_pipes', water_node: 'water_nodes', power_line: 'power_lines', power_node: 'power_nodes' } as const;
  const features: unknown[] = [];
  for (const [asset, table] of Object.entries(tables)) {
    const rows = assets.filter((a) => a.asset === asset);
    const geom = await geometries(db, table, rows.map((a) => a.id));
    for (const a of rows) {
      const g = geom.get(a.id);
      if (g) features.push({ type: 'Feature', geometry: g, properties: a });
    }
  }
  return { type: 'FeatureCollection', features };
}

async function addedRoadGeometries(db: Kysely<Database>, scenarioId: string) {
  const { rows } = await sql<{ id: string; g: string }>`
    SELECT id::text AS id, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS g FROM scenario_edits
    WHERE scenario_id = ${scenarioId}::uuid AND kind = 'add_road'`.execute(db);
  return new Map(rows.map((r) => [r.id, JSON.parse(r.g)]));
}

/**
 * The impact as the public may see it (issue #9): utility figures as city-wide aggregates only —
 * which pipes, lines and nodes go over capacity is critical-infrastructure detail for staff.
 */
export function publicImpact(r: ImpactResult): ImpactResult {
  return { ...r, utilities: { ...r.utilities, flagged: [], assets: [] } };
}
