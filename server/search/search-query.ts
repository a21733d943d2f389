import { sql, type Kysely } from 'kysely';
import type { SearchKind, SearchResult } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { publicSensorKindSql } from '../auth/sensor-access';

/**
 * What one caller may find (issue #9): sensors of every kind (staff) or traffic sensors only
 * (the public), and which of the searched layers they may see.
 */
export interface SearchScope {
  allSensors: boolean;
  layers: { roads: boolean; land_use: boolean; buildings: boolean };
}

/** The public's scope with the default catalogue: traffic sensors, every searched layer. */
export const PUBLIC_SCOPE: SearchScope = {
  allSensors: false,
  layers: { roads: true, land_use: true, buildings: true },
};

interface Row {
  kind: SearchKind;
  id: string | number;
  label: string;
  detail: string | null;
  score: number;
  w: number;
  s: number;
  e: number;
  n: number;
  layer: string | null;
  fid: string | number | null;
}

/** Kinds in the order they win a tie: a street before a building of the same name. */
const RANK: Record<SearchKind, number> = {
  street: 0,
  place: 1,
  building: 2,
  address: 3,
  sensor: 4,
};

/**
 * Finds the twin's own names — street names (one hit per name, framing all its links), named
 * places (districts, parks, the river), building names and addresses (OSM `addr:*` of imported
 * buildings), sensor ids — that resemble `q`, from what `scope` lets the caller see. Typo-tolerant through pg_trgm: a hit is
 * similar as a whole (`%`, similarity ≥ 0.3), contains a similar word sequence (`<%`, ≥ 0.6) or
 * starts with the query; each kind's candidates come from its trigram index. Ranked by
 * similarity, then kind, then label.
 */
export async function searchTwin(
  db: Kysely<Database>,
  q: string,
  limit: number,
  scope: SearchScope = PUBLIC_SCOPE,
): Promise<SearchResult[]> {
  const text = q.trim();
  const lower = text.toLowerCase();
  const prefix = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const score = (col: ReturnType<typeof sql.ref> | ReturnType<typeof sql>) =>
    sql`greatest(similarity(${col}, ${text}), word_similarity(${text}, ${col}), CASE WHEN ${col} ILIKE ${prefix} THEN 0.9 ELSE 0 END)`;
  const match = (col: ReturnType<typeof sql.ref> | ReturnType<typeof sql>) =>
    sql`(${col} % ${text} OR ${text} <% ${col} OR ${col} ILIKE ${prefix})`;
  const box = (g: ReturnType<typeof sql>) =>
    sql`ST_XMin(${g}) AS w, ST_YMin(${g}) AS s, ST_XMax(${g}) AS e, ST_YMax(${g}) AS n`;
  const address = sql`lower(coalesce(b.attributes->>'addr:street', '') || ' ' || coalesce(b.attributes->>'addr:housenumber', ''))`;
  // A layer the caller may not see contributes no hits (its branch matches nothing).
  const visible = (layer: keyof SearchScope['layers']) =>
    scope.layers[layer] ? sql`TRUE` : sql`FALSE`;
  const sensorKinds = scope.allSensors ? sql`TRUE` : publicSensorKindSql('s');
  const { rows } = await sql<Row>`
    (SELECT 'street' AS kind, r.name AS id, r.name AS label, string_agg(DISTINCT r.class, ', ') AS detail,
        max(${score(sql.ref('r.name'))}) AS score, ${box(sql`ST_Transform(ST_SetSRID(ST_Extent(r.geom), 3857), 4326)`)},
        NULL AS layer, NULL AS fid
      FROM road_links r WHERE ${visible('roads')} AND r.name IS NOT NULL AND ${match(sql.ref('r.name'))}
      GROUP BY r.name ORDER BY score DESC LIMIT ${limit})
    UNION ALL
    (SELECT 'place', l.id::text, l.name, l.class, ${score(sql.ref('l.name'))}, ${box(sql`ST_Transform(l.geom, 4326)`)},
        'land_use', l.id
      FROM land_use l WHERE ${visible('land_use')} AND l.name IS NOT NULL AND ${match(sql.ref('l.name'))}
      ORDER BY 5 DESC LIMIT ${limit})
    UNION ALL
    (SELECT 'building', b.id::text, b.name, b.use || ' building, ' || round(b.height_m::numeric) || ' m', ${score(sql.ref('b.name'))},
        ${box(sql`ST_Transform(b.geom, 4326)`)}, 'buildings', b.id
      FROM buildings b WHERE ${visible('buildings')} AND b.name IS NOT NULL AND ${match(sql.ref('b.name'))}
      ORDER BY 5 DESC LIMIT ${limit})
    UNION ALL
    (SELECT 'address', b.id::text,
        trim(coalesce(b.attributes->>'addr:street', '') || ' ' || coalesce(b.attributes->>'addr:housenumber', '')),
        coalesce(b.name, b.use || ' building'), ${score(address)}, ${box(sql`ST_Transform(b.geom, 4326)`)}, 'buildings', b.id
      FROM buildings b WHERE ${visible('buildings')} AND b.attributes ? 'addr:street'
        AND (${address} % ${lower} OR ${lower} <% ${address} OR ${address} LIKE ${`${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`})
      ORDER BY 5 DESC LIMIT ${limit})
    UNION ALL
    (SELECT 'sensor', s.id::text, s.external_id, s.kind || coalesce(' · ' || s.name, ''), ${score(sql.ref('s.external_id'))},
        ${box(sql`ST_Transform(s.geom, 4326)`)}, NULL, NULL
      FROM sensors s WHERE ${sensorKinds} AND ${match(sql.ref('s.external_id'))}
      ORDER BY 5 DESC LIMIT ${limit})`.execute(db);
  const round = (v: number) => Math.round(Number(v) * 1e6) / 1e6;
  return rows
    .map((r): SearchResult => {
      const [w, s, e, n] = [r.w, r.s, r.e, r.n].map(round) as [number, number, number, number];
      const point = w === e && s === n;
      return {
        kind: r.kind,
        id: String(r.id),
        label: r.label,
        detail: r.detail ?? '',
        score: Math.round(Math.min(1, Number(r.score)) * 1000) / 1000,
        center: [round((w + e) / 2), round((s + n) / 2)],
        bbox: point ? null : [w, s, e, n],
        feature: r.layer && r.fid !== null ? { layer: r.layer, id: Number(r.fid) } : null,
      };
    })
    .sort(
      (a, b) => b.score - a.score || RANK[a.kind] - RANK[b.kind] || a.label.localeCompare(b.label),
    )
    .slice(0, limit);
}
