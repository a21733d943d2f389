import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import { areaScale } from './point-index';
import type { GraphLink } from './road-graph';

/** The baseline city as typed arrays, read once per change of the underlying layers. */
export interface CityModel {
  buildings: {
    id: string[];
    index: Map<string, number>;
    x: Float64Array;
    y: Float64Array;
    footprintM2: Float64Array;
    levels: Float64Array; // NaN when unknown
    heightM: Float64Array;
    use: string[];
  };
  roads: {
    nodeId: string[];
    nodeIndex: Map<string, number>;
    x: Float64Array;
    y: Float64Array;
    links: RoadLinkRow[];
    linkIndex: Map<string, number>;
  };
  water: UtilityModel;
  power: UtilityModel;
}

/** A road link of the city model: a graph link (its BPR parameters the defaults) with its row's facts. */
export interface RoadLinkRow extends Pick<
  GraphLink,
  'from' | 'to' | 'oneway' | 'lengthM' | 'speedKmh' | 'capacityVehH'
> {
  id: string;
  lanes: number;
  class: string;
  name: string | null;
}

export interface UtilityModel {
  nodeId: string[];
  kind: string[];
  name: (string | null)[];
  /** kVA for power nodes; m³ for water nodes; NaN where unknown. */
  nodeCapacity: Float64Array;
  /** Ground or bottom elevation, m (water); voltage, kV (power); NaN where unknown. */
  nodeLevel: Float64Array;
  nodeAttributes: Record<string, unknown>[];
  x: Float64Array;
  y: Float64Array;
  edges: UtilityEdge[];
}

export interface UtilityEdge {
  id: string;
  from: number;
  to: number;
  lengthM: number;
  /** l/s at design velocity (water), kVA (power). */
  capacity: number;
  /** Bore, mm (water); voltage, kV (power). */
  size: number;
  material: string | null;
  attributes: Record<string, unknown>;
}

const jsonObject = (v: unknown): Record<string, unknown> =>
  (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as Record<string, unknown>;

/** The `layer_versions` keys the city model depends on. */
export const CITY_LAYERS = [
  'buildings',
  'roads',
  'water_pipes',
  'water_nodes',
  'power_lines',
  'power_nodes',
  'land_use',
];

export async function loadCityModel(db: Kysely<Database>): Promise<CityModel> {
  const [b, rn, rl, wn, wp, pn, pl] = await Promise.all([
    sql<{
      id: string;
      x: number;
      y: number;
      area: number;
      levels: number | null;
      height_m: number;
      use: string;
    }>`
      SELECT id, ST_X(c) AS x, ST_Y(c) AS y, ST_Area(geom) AS area, levels, height_m, use
      FROM (SELECT id, geom, ST_Centroid(geom) AS c, levels, height_m, use FROM buildings) AS b
      ORDER BY id`.execute(db),
    sql<{ id: string; x: number; y: number }>`
      SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y FROM road_nodes ORDER BY id`.execute(db),
    db
      .selectFrom('road_links')
      .select([
        'id',
        'from_node',
        'to_node',
        'oneway',
        'length_m',
        'speed_limit_kmh',
        'capacity_veh_h',
        'lanes',
        'class',
        'name',
      ])
      .orderBy('id')
      .execute(),
    sql<UtilityNodeRow>`
      SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y, kind, name, capacity_m3 AS capacity, elevation_m AS level, attributes
      FROM water_nodes ORDER BY id`.execute(db),
    db
      .selectFrom('water_pipes')
      .select([
        'id',
        'from_node',
        'to_node',
        'length_m',
        'capacity_l_s',
        'diameter_mm',
        'material',
        'attributes',
      ])
      .orderBy('id')
      .execute(),
    sql<UtilityNodeRow>`
      SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y, kind, name, capacity_kva AS capacity, voltage_kv AS level, attributes
      FROM power_nodes ORDER BY id`.execute(db),
    db
      .selectFrom('power_lines')
      .select([
        'id',
        'from_node',
        'to_node',
        'length_m',
        'capacity_kva',
        'voltage_kv',
        'attributes',
      ])
      .orderBy('id')
      .execute(),
  ]);

  const n = b.rows.length;
  const buildings: CityModel['buildings'] = {
    id: [],
    index: new Map(),
    x: new Float64Array(n),
    y: new Float64Array(n),
    footprintM2: new Float64Array(n),
    levels: new Float64Array(n),
    heightM: new Float64Array(n),
    use: [],
  };
  b.rows.forEach((r, i) => {
    const id = String(r.id);
    buildings.id.push(id);
    buildings.index.set(id, i);
    buildings.x[i] = Number(r.x);
    buildings.y[i] = Number(r.y);
    buildings.footprintM2[i] = Number(r.area) * areaScale(Number(r.y));
    buildings.levels[i] = r.levels === null ? NaN : Number(r.levels);
    buildings.heightM[i] = Number(r.height_m);
    buildings.use.push(r.use);
  });

  const nodeIndex = new Map(rn.rows.map((r, i) => [String(r.id), i]));
  const links: RoadLinkRow[] = [];
  for (const l of rl) {
    const from = nodeIndex.get(String(l.from_node));
    const to = nodeIndex.get(String(l.to_node));
    if (from === undefined || to === undefined) continue;
    links.push({
      id: String(l.id),
      from,
      to,
      oneway: l.oneway,
      lengthM: Number(l.length_m),
      speedKmh: Number(l.speed_limit_kmh),
      capacityVehH: Number(l.capacity_veh_h),
      lanes: Number(l.lanes),
      class: l.class,
      name: l.name,
    });
  }

  return {
    buildings,
    roads: {
      nodeId: rn.rows.map((r) => String(r.id)),
      nodeIndex,
      x: Float64Array.from(rn.rows, (r) => Number(r.x)),
      y: Float64Array.from(rn.rows, (r) => Number(r.y)),
      links,
      linkIndex: new Map(links.map((l, i) => [l.id, i])),
    },
    water: utilityModel(
      wn.rows,
      wp.map((p) => ({
        ...p,
        capacity: Number(p.capacity_l_s),
        size: Number(p.diameter_mm),
        material: p.material,
      })),
    ),
    power: utilityModel(
      pn.rows,
      pl.map((p) => ({
        ...p,
        capacity: Number(p.capacity_kva),
        size: Number(p.voltage_kv),
        material: null,
      })),
    ),
  };
}

interface UtilityNodeRow {
  id: string;
  x: number;
  y: number;
  kind: string;
  name: string | null;
  capacity: number | null;
  level: number | null;
  attributes: unknown;
}

function utilityModel(
  nodes: UtilityNodeRow[],
  edges: {
    id: string;
    from_node: string;
    to_node: string;
    length_m: number;
    capacity: number;
    size: number;
    material: string | null;
    attributes: unknown;
  }[],
): UtilityModel {
  const index = new Map(nodes.map((r, i) => [String(r.id), i]));
  return {
    nodeId: nodes.map((r) => String(r.id)),
    kind: nodes.map((r) => r.kind),
    name: nodes.map((r) => r.name),
    nodeCapacity: Float64Array.from(nodes, (r) => (r.capacity == null ? NaN : Number(r.capacity))),
    nodeLevel: Float64Array.from(nodes, (r) => (r.level == null ? NaN : Number(r.level))),
    nodeAttributes: nodes.map((r) => jsonObject(r.attributes)),
    x: Float64Array.from(nodes, (r) => Number(r.x)),
    y: Float64Array.from(nodes, (r) => Number(r.y)),
    edges: edges.flatMap((e) => {
      const from = index.get(String(e.from_node));
      const to = index.get(String(e.to_node));
      return from === undefined || to === undefined
        ? []
        : [
            {
              id: String(e.id),
              from,
              to,
              lengthM: Number(e.length_m),
              capacity: e.capacity,
              size: e.size,
              material: e.material,
              attributes: jsonObject(e.attributes),
            },
          ];
    }),
  };
}
