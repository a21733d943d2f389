import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { FrameContentType, FrameMeta } from '../../common/camera-types';
import { FRAMES_CHANNEL, frameUrl } from '../sensors/frame-feed';
import type { LiveBus } from '../sensors/live-bus';

/** How long and how much of a camera's frames are kept (`TWIN_CAMERA_RETENTION_H`, `TWIN_CAMERA_BUDGET_MB`). */
export interface FrameLimits {
  retentionH: number;
  budgetBytes: number;
}

export interface NewFrame {
  cameraId: string;
  ts: Date;
  contentType: FrameContentType;
  image: Uint8Array;
  /** The camera's frames are public: live notices reach the public too. */
  framesPublic: boolean;
}

/**
 * Stores a frame and applies the camera's limits in ONE transaction: the insert, deleting what
 * is past retention or over the byte budget (oldest first), and the live NOTIFY. The bytes live
 * in the row, so a frame and its image are written or dropped together and nothing is left
 * behind when a write fails halfway. A repeated (camera, time) keeps the first frame: `stored`
 * false.
 */
export async function storeFrame(
  db: Kysely<Database>,
  f: NewFrame,
  limits: FrameLimits,
  bus?: LiveBus,
): Promise<{ stored: boolean }> {
  const etag = createHash('sha256').update(f.image).digest('hex').slice(0, 32);
  const payload = JSON.stringify({ c: f.cameraId, t: f.ts.getTime(), p: f.framesPublic });
  const result = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('camera_frames')
      .values({
        camera_id: f.cameraId,
        ts: f.ts,
        content_type: f.contentType,
        bytes: f.image.byteLength,
        etag,
        image: f.image,
      })
      .onConflict((oc) => oc.columns(['camera_id', 'ts']).doNothing())
      .returning('ts')
      .executeTakeFirst();
    if (!inserted) return { stored: false };
    await pruneCamera(trx, f.cameraId, new Date(), limits);
    // With NATS (issue #16) the notice is published after COMMIT instead.
    if (!bus) await sql`SELECT pg_notify(${FRAMES_CHANNEL}, ${payload})`.execute(trx);
    return { stored: true };
  });
  if (result.stored) bus?.publish(FRAMES_CHANNEL, payload);
  return result;
}

/** Deletes one camera's frames older than retention, then the oldest beyond its byte budget. */
async function pruneCamera(
  db: Kysely<Database>,
  cameraId: string,
  now: Date,
  limits: FrameLimits,
): Promise<number> {
  const cutoff = new Date(now.getTime() - limits.retentionH * 3600_000).toISOString();
  const { numAffectedRows } = await sql`DELETE FROM camera_frames f USING (
      SELECT ts FROM (
        SELECT ts, sum(bytes) OVER (ORDER BY ts DESC) AS kept FROM camera_frames WHERE camera_id = ${cameraId}
      ) q WHERE kept > ${limits.budgetBytes} OR ts < ${cutoff}::timestamptz
    ) gone WHERE f.camera_id = ${cameraId} AND f.ts = gone.ts`.execute(db);
  return Number(numAffectedRows ?? 0);
}

/**
 * The retention sweep for every camera (cameras that stopped sending keep no frame past
 * retention): frames older than `now` − retention, and beyond each camera's byte budget.
 * Returns the frames deleted.
 */
export async function pruneFrames(
  db: Kysely<Database>,
  now: Date,
  limits: FrameLimits,
): Promise<number> {
  const cutoff = new Date(now.getTime() - limits.retentionH * 3600_000).toISOString();
  const old = await sql`DELETE FROM camera_frames WHERE ts < ${cutoff}::timestamptz`.execute(db);
  const over = await sql`DELETE FROM camera_frames f USING (
      SELECT camera_id, ts FROM (
        SELECT camera_id, ts, sum(bytes) OVER (PARTITION BY camera_id ORDER BY ts DESC) AS kept FROM camera_frames
      ) q WHERE kept > ${limits.budgetBytes}
    ) gone WHERE f.camera_id = gone.camera_id AND f.ts = gone.ts`.execute(db);
  return Number(old.numAffectedRows ?? 0) + Number(over.numAffectedRows ?? 0);
}

export interface StoredFrame {
  ts: Date;
  contentType: FrameContentType;
  etag: string;
  image: Uint8Array;
}

/** The latest frame of a camera, or the one at exactly `ts`. */
export async function readFrame(
  db: Kysely<Database>,
  cameraId: string,
  ts?: Date,
): Promise<StoredFrame | undefined> {
  let q = db
    .selectFrom('camera_frames')
    .select(['ts', 'content_type', 'etag', 'image'])
    .where('camera_id', '=', cameraId);
  q = ts ? q.where('ts', '=', ts) : q.orderBy('ts', 'desc').limit(1);
  const row = await q.executeTakeFirst();
  return row
    ? { ts: new Date(row.ts), contentType: row.content_type, etag: row.etag, image: row.image }
    : undefined;
}

/** The newest `limit` frames in [from, to], oldest first; `truncated` when more lay in the window. */
export async function listFrames(
  db: Kysely<Database>,
  cameraId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<{ frames: FrameMeta[]; truncated: boolean }> {
  const rows = await db
    .selectFrom('camera_frames')
    .select(['ts', 'content_type', 'bytes'])
    .where('camera_id', '=', cameraId)
    .where('ts', '>=', from)
    .where('ts', '<=', to)
    .orderBy('ts', 'desc')
    .limit(limit + 1)
    .execute();
  const truncated = rows.length > limit;
  const frames = rows
    .slice(0, limit)
    .reverse()
    .map((r) => {
      const ts = new Date(r.ts);
      return {
        ts: ts.toISOString(),
        content_type: r.content_type,
        bytes: Number(r.bytes),
        url: frameUrl(cameraId, ts),
      };
    });
  return { frames, truncated };
}
