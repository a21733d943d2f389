import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { CameraInfo } from '../../common/camera-types';
import { recordAudit } from '../auth/audit';
import type { Actor } from '../auth/principal';

/** What the frame routes need of a camera. */
export interface CameraRef {
  id: string;
  externalId: string;
  framesPublic: boolean;
}

const NUMERIC_ID = /^[1-9]\d{0,17}$/;

/** A camera by its sensor id or external id (an external id wins, as for sensors). */
export async function findCamera(
  db: Kysely<Database>,
  ref: string,
): Promise<CameraRef | undefined> {
  if (ref.length > 200) return undefined;
  const byId = NUMERIC_ID.test(ref);
  const row = await db
    .selectFrom('cameras as c')
    .innerJoin('sensors as s', 's.id', 'c.sensor_id')
    .select(['s.id', 's.external_id', 'c.frames_public'])
    .where((eb) =>
      byId
        ? eb.or([eb('s.id', '=', ref), eb('s.external_id', '=', ref)])
        : eb('s.external_id', '=', ref),
    )
    .orderBy(sql`s.external_id = ${ref}`, 'desc')
    .executeTakeFirst();
  return row
    ? { id: String(row.id), externalId: row.external_id, framesPublic: row.frames_public }
    : undefined;
}

interface Row {
  id: string | number;
  external_id: string;
  name: string | null;
  lon: number;
  lat: number;
  heading_deg: number;
  fov_deg: number;
  range_m: number;
  link_ids: (string | number)[] | string | null;
  frames_public: boolean;
  simulated: boolean | null;
  latest: Date | string | null;
  counts: { sensor: string | number; kind: string; unit: string }[] | string | null;
}

/** Postgres arrays come back as arrays on postgres.js and PGlite alike; a text form is parsed. */
const ids = (v: Row['link_ids']): string[] =>
  v === null
    ? []
    : typeof v === 'string'
      ? v.replace(/[{}]/g, '').split(',').filter(Boolean)
      : v.map(String);

/** Every camera with its view, latest frame time and counts sensors; `staff`: the caller sees every image. */
export async function listCameras(
  db: Kysely<Database>,
  staff: boolean,
  limit = 5000,
): Promise<CameraInfo[]> {
  const { rows } = await sql<Row>`SELECT s.id, s.external_id, s.name,
      ST_X(ST_Transform(s.geom, 4326)) AS lon, ST_Y(ST_Transform(s.geom, 4326)) AS lat,
      c.heading_deg, c.fov_deg, c.range_m, c.link_ids, c.frames_public,
      (s.attributes->>'simulated')::boolean AS simulated,
      (SELECT max(f.ts) FROM camera_frames f WHERE f.camera_id = c.sensor_id) AS latest,
      (SELECT coalesce(jsonb_agg(jsonb_build_object('sensor', k.id::text, 'kind', k.kind, 'unit', k.unit) ORDER BY k.kind, k.id), '[]'::jsonb)
         FROM sensors k WHERE k.source_id = s.id)::text AS counts
    FROM cameras c JOIN sensors s ON s.id = c.sensor_id
    ORDER BY s.id LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({
    id: String(r.id),
    external_id: r.external_id,
    name: r.name,
    location: [round6(Number(r.lon)), round6(Number(r.lat))],
    heading: Number(r.heading_deg),
    fov: Number(r.fov_deg),
    range_m: Number(r.range_m),
    links: ids(r.link_ids),
    frames_public: r.frames_public,
    frames_visible: staff || r.frames_public,
    simulated: r.simulated === true,
    latest_frame: r.latest === null ? null : new Date(r.latest).toISOString(),
    counts: (typeof r.counts === 'string'
      ? (JSON.parse(r.counts) as NonNullable<Exclude<Row['counts'], string>>)
      : (r.counts ?? [])
    ).map((k) => ({ sensor: String(k.sensor), kind: k.kind, unit: k.unit })),
  }));
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Opens or closes a camera's frames to the public, with its audit row in the same transaction
 * (issue #17: the audit log records who exposed which camera).
 */
export async function setFramesPublic(
  db: Kysely<Database>,
  camera: CameraRef,
  framesPublic: boolean,
  actor: Actor,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('cameras')
      .set({ frames_public: framesPublic, updated_at: new Date() })
      .where('sensor_id', '=', camera.id)
      .execute();
    await recordAudit(trx, {
      actor,
      action: framesPublic ? 'camera.frames_public' : 'camera.frames_staff',
      targetType: 'camera',
      targetId: camera.id,
      details: {
        external_id: camera.externalId,
        frames_public: framesPublic,
        was: camera.framesPublic,
      },
    });
  });
}
