import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type {
  ReadingsResponse,
  SensorAssetType,
  SensorInfo,
  SensorRegistration,
} from '../../common/sensor-types';
import { sensorStatus } from './sensor-status';
import { publicSensorKindSql } from '../auth/sensor-access';

export type BBox = [number, number, number, number];

export interface SensorFilter {
  kinds?: string[];
  bbox?: BBox;
  /** Values as of this time (the latest reading at or before it, within an hour). */
  at?: Date;
  /** Only the sensors on one asset (the inspect panel's chart). */
  asset?: { type: SensorAssetType; id: string };
  limit: number;
  /** Traffic sensors only: the caller is below planner (issue #9). */
  publicOnly?: boolean;
}

interface ListRow {
  id: string | number;
  external_id: string;
  kind: string;
  unit: string;
  name: string | null;
  lon: number;
  lat: number;
  asset_type: SensorAssetType | null;
  asset_id: string | number | null;
  reference_value: number | null;
  interval_s: number;
  ts: Date | string | null;
  value: number | null;
}

/** Sensors with their current value (or their value as of `at`). */
export async function listSensors(db: Kysely<Database>, f: SensorFilter): Promise<SensorInfo[]> {
  const where = [sql`true`];
  if (f.publicOnly) where.push(publicSensorKindSql('s'));
  if (f.kinds)
    where.push(
      sql`s.kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(f.kinds)}::text::jsonb))`,
    );
  if (f.bbox) {
    const [w, s, e, n] = f.bbox;
    where.push(sql`s.geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857)`);
  }
  if (f.asset) where.push(sql`s.asset_type = ${f.asset.type} AND s.asset_id = ${f.asset.id}`);
  const current = f.at
    ? sql`LEFT JOIN LATERAL (SELECT r.ts, r.value FROM readings r WHERE r.sensor_id = s.id
          AND r.ts <= ${f.at.toISOString()}::timestamptz
          AND r.ts > ${f.at.toISOString()}::timestamptz - interval '1 hour'
          ORDER BY r.ts DESC LIMIT 1) cur ON true`
    : sql`LEFT JOIN sensor_state cur ON cur.sensor_id = s.id`;
  const { rows } = await sql<ListRow>`SELECT s.id, s.external_id, s.kind, s.unit, s.name,
      ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat,
      s.asset_type, s.asset_id, s.reference_value, s.interval_s, cur.ts, cur.value
    FROM sensors s ${current}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY s.id LIMIT ${f.limit}`.execute(db);
  return rows.map((r) => {
    const reference = r.reference_value === null ? null : Number(r.reference_value);
    return {
      id: String(r.id),
      external_id: r.external_id,
      kind: r.kind,
      unit: r.unit,
      name: r.name,
      location: [round6(Number(r.lon)), round6(Number(r.lat))],
      asset_type: r.asset_type,
      asset_id: r.asset_id === null ? null : String(r.asset_id),
      reference_value: reference,
      interval_s: Number(r.interval_s),
      current:
        r.ts === null || r.value === null
          ? null
          : {
              ts: new Date(r.ts).toISOString(),
              value: Number(r.value),
              ...sensorStatus(r.kind, Number(r.value), reference),
            },
    };
  });
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Registers sensors whose external id is new; existing ones are left as they are. Cameras get
 * their view, and sensors with a `source` are tied to that camera, in the same transaction.
 */
export async function registerSensors(
  db: Kysely<Database>,
  sensors: SensorRegistration[],
): Promise<{ created: number; existing: number }> {
  if (sensors.length === 0) return { created: 0, existing: 0 };
  const input = JSON.stringify(
    sensors.map((s) => ({ ...s, source: s.source === undefined ? undefined : String(s.source) })),
  );
  const write = async (trx: Kysely<Database>) => {
    const { rows } = await sql<{ n: number | string }>`WITH input AS (
      SELECT * FROM jsonb_to_recordset(${input}::text::jsonb) AS t(external_id text, kind text, unit text,
        name text, location jsonb, asset_type text, asset_id bigint, reference_value float8,
        interval_s int, attributes jsonb)
    ), ins AS (
      INSERT INTO sensors (external_id, kind, unit, name, geom, asset_type, asset_id,
        reference_value, interval_s, attributes)
      SELECT external_id, kind, coalesce(unit, ''), name,
        ST_Transform(ST_SetSRID(ST_MakePoint((location->>0)::float8, (location->>1)::float8), 4326), 3857),
        asset_type, asset_id, reference_value, coalesce(interval_s, 60), coalesce(attributes, '{}')
      FROM input
      ON CONFLICT (external_id) DO NOTHING
      RETURNING 1
    ) SELECT count(*) AS n FROM ins`.execute(trx);
    if (sensors.some((s) => s.camera)) {
      await sql`INSERT INTO cameras (sensor_id, heading_deg, fov_deg, range_m, link_ids)
        SELECT s.id, (t.camera->>'heading')::float8, (t.camera->>'fov')::float8,
          coalesce((t.camera->>'range_m')::float8, 60),
          coalesce(ARRAY(SELECT jsonb_array_elements_text(t.camera->'links')::bigint), '{}')
        FROM jsonb_to_recordset(${input}::text::jsonb) AS t(external_id text, camera jsonb)
        JOIN sensors s ON s.external_id = t.external_id AND s.kind = 'camera'
        WHERE t.camera IS NOT NULL
        ON CONFLICT (sensor_id) DO NOTHING`.execute(trx);
    }
    if (sensors.some((s) => s.source !== undefined)) {
      await sql`UPDATE sensors s SET source_id = cam.id
        FROM jsonb_to_recordset(${input}::text::jsonb) AS t(external_id text, source text)
        JOIN sensors cam ON cam.kind = 'camera'
          AND (cam.external_id = t.source OR (t.source ~ '^[1-9][0-9]{0,17}$' AND cam.id = t.source::bigint))
        WHERE s.external_id = t.external_id AND s.source_id IS NULL`.execute(trx);
    }
    return Number(rows[0]?.n ?? 0);
  };
  const created = db.isTransaction ? await write(db) : await db.transaction().execute(write);
  return { created, existing: sensors.length - created };
}

/** The references among `refs` (ids or external ids) that name no camera, in the database or `batch`. */
export async function unknownCameras(
  db: Kysely<Database>,
  refs: string[],
  batch: SensorRegistration[],
): Promise<string[]> {
  const inBatch = new Set(batch.filter((s) => s.kind === 'camera').map((s) => s.external_id));
  const rest = [...new Set(refs.filter((r) => !inBatch.has(r)))];
  if (rest.length === 0) return [];
  const { rows } = await sql<{
    ref: string;
  }>`SELECT r AS ref FROM jsonb_array_elements_text(${JSON.stringify(rest)}::text::jsonb) r
    WHERE NOT EXISTS (SELECT 1 FROM sensors s WHERE s.kind = 'camera'
      AND (s.external_id = r OR (r ~ '^[1-9][0-9]{0,17}$' AND s.id = r::bigint)))`.execute(db);
  return rows.map((r) => r.ref);
}

/** Looks a sensor up by numeric id or external id. */
export async function findSensor(
  db: Kysely<Database>,
  ref: string,
): Promise<{ id: string; kind: string } | undefined> {
  const byId = /^[1-9]\d{0,17}$/.test(ref);
  const row = await db
    .selectFrom('sensors')
    .select(['id', 'kind'])
    .where((eb) =>
      byId ? eb.or([eb('id', '=', ref), eb('external_id', '=', ref)]) : eb('external_id', '=', ref),
    )
    .orderBy(sql`external_id = ${ref}`, 'desc')
    .executeTakeFirst();
  return row ? { id: String(row.id), kind: row.kind } : undefined;
}

/** Bucketed aggregates of one sensor's readings in [from, to). */
export async function sensorReadings(
  db: Kysely<Database>,
  sensorId: string,
  from: Date,
  to: Date,
  bucketS: number,
): Promise<ReadingsResponse['points']> {
  const { rows } = await sql<{
    t: Date | string;
    avg: number;
    min: number;
    max: number;
    count: number | string;
  }>`
    SELECT date_bin(${bucketS} * interval '1 second', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t,
      avg(value)::float8 AS avg, min(value)::float8 AS min, max(value)::float8 AS max, count(*) AS count
    FROM readings
    WHERE sensor_id = ${sensorId} AND ts >= ${from.toISOString()}::timestamptz
      AND ts < ${to.toISOString()}::timestamptz
    GROUP BY 1 ORDER BY 1`.execute(db);
  return rows.map((r) => ({
    t: new Date(r.t).toISOString(),
    avg: Number(r.avg),
    min: Number(r.min),
    max: Number(r.max),
    count: Number(r.count),
  }));
}
