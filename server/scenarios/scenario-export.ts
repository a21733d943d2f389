import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import {
  EXPORT_ROWS,
  IMPACT_MODELS,
  type ExportRow,
  type ImpactModelKey,
} from '../../common/impact-models';
import type { ScenarioImpact } from '../../common/scenario-types';

/** The scenario's edits as GeoJSON (WGS84): added geometry, or the baseline feature an edit targets. */
export async function editsGeoJson(db: Kysely<Database>, scenarioId: string) {
  const { rows } = await sql<{
    id: string;
    seq: number;
    kind: string;
    payload: unknown;
    geojson: string | null;
    target: unknown;
  }>`
    SELECT e.id::text AS id, e.seq, e.kind, e.payload,
      CASE WHEN e.kind IN ('change_building', 'demolish_building')
             THEN (SELECT jsonb_build_object('name', b.name, 'use', b.use, 'levels', b.levels, 'height_m', round(b.height_m::numeric, 1)) FROM buildings b WHERE b.id = e.target_id)
           WHEN e.kind = 'edit_road'
             THEN (SELECT jsonb_build_object('name', l.name, 'class', l.class, 'lanes', l.lanes, 'speed_limit_kmh', l.speed_limit_kmh) FROM road_links l WHERE l.id = e.target_id) END AS target,
      ST_AsGeoJSON(ST_Transform(coalesce(e.geom,
        CASE WHEN e.kind IN ('change_building', 'demolish_building')
               THEN (SELECT b.geom FROM buildings b WHERE b.id = e.target_id)
             WHEN e.kind = 'edit_road' THEN (SELECT l.geom FROM road_links l WHERE l.id = e.target_id) END), 4326), 7) AS geojson
    FROM scenario_edits e WHERE e.scenario_id = ${scenarioId}::uuid ORDER BY e.seq`.execute(db);
  return {
    type: 'FeatureCollection' as const,
    features: rows.map((r) => {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<
        string,
        unknown
      >;
      const { geometry: _ignored, ...properties } = payload;
      return {
        type: 'Feature' as const,
        id: Number(r.id),
        geometry: r.geojson ? JSON.parse(r.geojson) : null,
        // What the edit changes as it is in the baseline (name, use, lanes…), so a list can name it.
        properties: {
          ...properties,
          edit_id: r.id,
          seq: Number(r.seq),
          target: (typeof r.target === 'string' ? JSON.parse(r.target) : r.target) ?? null,
        },
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

/**
 * The impact report as CSV: one row per figure with baseline, scenario, delta, unit and the
 * sources of the factors its model uses — the models and their factor lists are those of
 * common/impact-models.ts, the same list the engine runs and the panel shows.
 */
export function impactCsv(r: ScenarioImpact): string {
  const rows: unknown[][] = [
    ['section', 'metric', 'baseline', 'scenario', 'delta', 'unit', 'sources'],
  ];
  for (const model of IMPACT_MODELS) {
    const cited = citedFactors(r, model.key);
    const sources = cited.map((f) => `${f.key}: ${f.source}`).join(' | ');
    for (const row of modelRows(r, model.key)) rows.push([model.key, ...row, sources]);
  }
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function citedFactors(r: ScenarioImpact, key: ImpactModelKey): { key: string; source: string }[] {
  const section = r[key] as { factors?: { key: string; source: string }[] };
  return section.factors ?? [];
}

/** [metric, baseline, scenario, delta, unit] rows of one model's section. */
function modelRows<K extends ImpactModelKey>(r: ScenarioImpact, key: K): ExportRow[] {
  return (EXPORT_ROWS[key] as (section: ScenarioImpact[K]) => ExportRow[])(r[key]);
}

export const IMPACT_LAYERS = ['traffic', 'utilities', 'shadow'] as const;
export type ImpactLayer = (typeof IMPACT_LAYERS)[number];

/** WGS84 GeoJSON of rows of one table by id (ids bound as one JSON parameter). */
async function geometries(
  db: Kysely<Database>,
  table: 'road_links' | 'water_pipes' | 'water_nodes' | 'power_lines' | 'power_nodes',
  ids: string[],
) {
  if (ids.length === 0) return new Map<string, unknown>();
  const { rows } = await sql<{ id: string; g: string }>`
    SELECT id::text AS id, ST_AsGeoJSON(ST_Transform(geom, 4326), 6) AS g FROM ${sql.table(table)}
    WHERE id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::text::jsonb)::bigint)`.execute(
    db,
  );
  return new Map(rows.map((r) => [r.id, JSON.parse(r.g)]));
}

/**
 * An impact result as a map layer (GeoJSON, WGS84): `traffic` — links whose volume changes, with
 * volume, v/c, time and change; `utilities` — pipes, lines and nodes whose load changes, with
 * load ÷ capacity and headroom; `shadow` — the added shadow polygons per hour.
 */
export async function impactLayer(db: Kysely<Database>, r: ScenarioImpact, layer: ImpactLayer) {
  if (layer === 'shadow') return r.shadow.layer;
  if (layer === 'traffic') {
    const links = r.traffic.links as { link_id: string | null; edit_id: string | null }[];
    const geom = await geometries(
      db,
      'road_links',
      links.flatMap((l) => (l.link_id ? [l.link_id] : [])),
    );
    const added = await addedRoadGeometries(db, r.scenario.id);
    return {
      type: 'FeatureCollection',
      features: links.flatMap((l) => {
        const g = l.link_id ? geom.get(l.link_id) : l.edit_id ? added.get(l.edit_id) : undefined;
        return g ? [{ type: 'Feature', geometry: g, properties: l }] : [];
      }),
    };
  }
  const assets = [...r.water.assets, ...r.power.assets];
  const tables = {
    water_pipe: 'water_pipes',
    water_node: 'water_nodes',
    power_line: 'power_lines',
    power_node: 'power_nodes',
  } as const;
  const features: unknown[] = [];
  for (const [asset, table] of Object.entries(tables)) {
    const rows = assets.filter((a) => a.asset === asset);
    const geom = await geometries(
      db,
      table,
      rows.map((a) => a.id),
    );
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
export function publicImpact(r: ScenarioImpact): ScenarioImpact {
  return {
    ...r,
    water: { ...r.water, flagged: [], assets: [] },
    power: { ...r.power, flagged: [], assets: [] },
  };
}
