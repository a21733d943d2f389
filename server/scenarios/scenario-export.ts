import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import { IMPACT_MODELS, type ImpactModelKey } from '../../common/impact-models';
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
function modelRows(r: ScenarioImpact, key: ImpactModelKey): unknown[][] {
  switch (key) {
    case 'yield': {
      const units: Record<string, string> = {
        gfa_m2: 'm²',
        nia_m2: 'm²',
        dwellings: 'dwellings',
        residents: 'persons',
        jobs: 'jobs',
      };
      return (['gfa_m2', 'nia_m2', 'dwellings', 'residents', 'jobs'] as const).map((k) => [
        k,
        r.yield.baseline[k],
        r.yield.scenario[k],
        r.yield.delta[k],
        units[k],
      ]);
    }
    case 'traffic': {
      const t = r.traffic;
      const tu: Record<string, string> = {
        vehicle_km: 'veh·km/h',
        vehicle_hours: 'veh·h/h',
        mean_delay_s: 's',
        trips: 'veh/h',
      };
      return [
        ...(['vehicle_km', 'vehicle_hours', 'mean_delay_s', 'trips'] as const).map((k) => [
          k,
          t.kpis[k].baseline,
          t.kpis[k].scenario,
          t.kpis[k].delta,
          tu[k],
        ]),
        [
          'relative_gap',
          t.assignment.baseline_relative_gap,
          t.assignment.relative_gap,
          '',
          'ratio',
        ],
        [
          'calibration_geh_lt_5_share',
          t.calibration.geh_lt_5_share ?? '',
          '',
          '',
          'share of count sites',
        ],
        [
          'outside_model_trips',
          t.outside_model.amount,
          t.outside_model.amount,
          0,
          t.outside_model.unit,
        ],
      ];
    }
    case 'water':
    case 'power': {
      const n = r[key];
      return [
        ['demand', n.baseline.demand, n.scenario.demand, n.delta.demand, n.unit],
        [
          'flagged_assets',
          n.baseline.flagged,
          n.scenario.flagged,
          n.delta.flagged,
          'assets (delta: newly flagged)',
        ],
        ...n.flagged.map((a) => [
          `${a.asset} ${a.id} ${a.metric}`,
          a.baseline,
          a.value,
          a.value - a.baseline,
          a.unit,
        ]),
        [
          'outside_model_demand',
          n.outside_model.amount,
          n.outside_model.amount,
          0,
          n.outside_model.unit,
        ],
      ];
    }
    case 'shadow':
      return [
        ...r.shadow.neighbours.flatMap((n) =>
          Object.entries(n.hours_lost).map(([day, h]) => [
            `building ${n.building_id} sun hours lost ${day}`,
            0,
            h,
            h,
            'hours',
          ]),
        ),
        ...r.shadow.parks.map((p) => [
          `park ${p.land_use_id} share with ≥ 2 h sun (21 March)`,
          p.sunlit_2h_share_before,
          p.sunlit_2h_share_after,
          p.sunlit_2h_share_after - p.sunlit_2h_share_before,
          'share',
        ]),
      ];
    case 'zoning':
      return r.zoning.flagged.map((z) => [
        `edit ${z.edit_id} height over land_use ${z.zone_id}`,
        z.max_height_m,
        z.height_m,
        z.excess_m,
        'm',
      ]);
  }
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
