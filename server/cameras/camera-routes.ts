import type { LiveBus } from '../sensors/live-bus';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { ApiError, retryLater } from '../errors';
import type { Backend } from '../db/backend';
import type { CameraConfig } from '../config';
import type { CameraListResponse, FrameListResponse, FrameStored } from '../../common/camera-types';
import { actorOf, isStaff, principalOf } from '../auth/principal';
import { assertFramesVisible } from '../auth/camera-access';
import { frameUrl } from '../sensors/frame-feed';
import { time } from '../params';
import { valid } from '../validate';
import { findCamera, listCameras, setFramesPublic, type CameraRef } from './camera-store';
import { listFrames, readFrame, storeFrame, type StoredFrame } from './frame-store';
import { FRAME_TYPES, mediaType, sniffImageType } from './image-type';

export interface CameraRouteDeps {
  backend: Backend;
  config: CameraConfig;
  /** Frames stamped further than this into the future are refused, seconds. */
  maxFutureS: number;
  /** The live bus when NATS carries the fan-out (issue #16). */
  bus?: () => LiveBus | undefined;
}

const UploadQuery = z.object({ ts: time.optional() });
const ListQuery = z.object({
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const Patch = z
  .object({
    frames_public: z.boolean({ message: 'the body must be {"frames_public": true|false}' }),
  })
  .strict();
const FrameParam = z.object({ id: z.string(), ts: time });

async function cameraOr404(db: Backend['db'], ref: string): Promise<CameraRef> {
  const camera = await findCamera(db, ref);
  if (!camera)
    throw new ApiError(404, 'not_found', `no camera ${JSON.stringify(ref.slice(0, 200))}`);
  return camera;
}

/** An image answer: validators for revalidation, private unless the camera's frames are public. */
function imageResponse(
  c: Context,
  camera: CameraRef,
  frame: StoredFrame,
  cacheControl: string,
): Response {
  const etag = `"${frame.etag}"`;
  const headers: Record<string, string> = {
    'Content-Type': frame.contentType,
    ETag: etag,
    'Cache-Control': `${camera.framesPublic ? 'public' : 'private'}, ${cacheControl}`,
    'Last-Modified': frame.ts.toUTCString(),
    'X-Frame-Time': frame.ts.toISOString(),
    'X-Content-Type-Options': 'nosniff',
  };
  if (!camera.framesPublic) headers['Vary'] = 'Cookie, Authorization';
  const match = c.req.header('If-None-Match');
  if (match && match.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(frame.image as Uint8Array<ArrayBuffer>, { status: 200, headers });
}

/**
 * Traffic cameras (issue #17): `GET /api/cameras` (sites and views, for everyone),
 * `POST /api/cameras/{id}/frames` (an image, ingest key), `GET /api/cameras/{id}/frame` (the
 * latest), `GET /api/cameras/{id}/frames?from&to` (the retained ones), `GET
 * /api/cameras/{id}/frames/{ts}` (one) and `PATCH /api/cameras/{id}` (admin: frames public or
 * not). Frames are staff-only unless an admin made the camera's frames public.
 */
export function cameraRoutes({ backend, config, maxFutureS, bus }: CameraRouteDeps) {
  const db = backend.db;
  const limits = { retentionH: config.retentionH, budgetBytes: config.budgetBytes };
  const tooLarge = () => {
    throw new ApiError(
      413,
      'too_large',
      `a frame is at most ${config.maxFrameBytes} bytes (TWIN_CAMERA_MAX_FRAME_KB)`,
    );
  };
  return new Hono()
    .get('/', async (c) => {
      const cameras = await listCameras(db, isStaff(principalOf(c)));
      c.header('Cache-Control', 'no-cache');
      return c.json({ cameras } satisfies CameraListResponse);
    })
    .patch('/:id', valid('json', Patch), async (c) => {
      const { frames_public } = c.req.valid('json');
      const camera = await cameraOr404(db, c.req.param('id'));
      await setFramesPublic(db, camera, frames_public, actorOf(principalOf(c)));
      return c.json({ id: camera.id, external_id: camera.externalId, frames_public });
    })
    .post(
      '/:id/frames',
      bodyLimit({ maxSize: config.maxFrameBytes, onError: tooLarge }),
      valid('query', UploadQuery),
      async (c) => {
        const declared = mediaType(c.req.header('Content-Type'));
        if (!FRAME_TYPES.includes(declared as (typeof FRAME_TYPES)[number])) {
          throw new ApiError(
            415,
            'unsupported_media_type',
            `Content-Type must be one of ${FRAME_TYPES.join(', ')}`,
          );
        }
        const q = c.req.valid('query');
        const camera = await cameraOr404(db, c.req.param('id'));
        const image = new Uint8Array(await c.req.arrayBuffer());
        if (image.byteLength === 0)
          throw new ApiError(400, 'bad_request', 'the body is empty: send the image');
        if (image.byteLength > config.maxFrameBytes) tooLarge();
        const sniffed = sniffImageType(image);
        if (sniffed !== declared) {
          throw new ApiError(
            415,
            'unsupported_media_type',
            sniffed
              ? `the body is ${sniffed}, not the ${declared} its Content-Type says`
              : `the body is not a ${declared} image (its first bytes are no ${declared.slice(6).toUpperCase()} signature)`,
          );
        }
        const now = Date.now();
        const ts = q.ts ?? new Date(now);
        if (ts.getTime() > now + maxFutureS * 1000)
          throw new ApiError(400, 'bad_request', 'ts: the frame is stamped in the future');
        if (ts.getTime() < now - config.retentionH * 3600_000) {
          throw new ApiError(
            400,
            'bad_request',
            `ts: older than the ${config.retentionH} h frames are kept (TWIN_CAMERA_RETENTION_H)`,
          );
        }
        const { stored } = await storeFrame(
          db,
          {
            cameraId: camera.id,
            ts,
            contentType: sniffed,
            image,
            framesPublic: camera.framesPublic,
          },
          limits,
          bus?.(),
        ).catch(retryLater('the database is unavailable; the frame was not stored, retry shortly'));
        const url = frameUrl(camera.id, ts);
        return c.json(
          {
            camera: camera.id,
            ts: ts.toISOString(),
            bytes: image.byteLength,
            stored,
            url,
          } satisfies FrameStored,
          stored ? 201 : 200,
        );
      },
    )
    .get('/:id/frames', valid('query', ListQuery), async (c) => {
      const q = c.req.valid('query');
      const to = q.to ?? new Date();
      const from = q.from ?? new Date(to.getTime() - 3600_000);
      if (from > to) throw new ApiError(400, 'bad_request', 'from must not be after to');
      const camera = await cameraOr404(db, c.req.param('id'));
      assertFramesVisible(principalOf(c), camera);
      const { frames, truncated } = await listFrames(db, camera.id, from, to, q.limit);
      c.header('Cache-Control', `${camera.framesPublic ? 'public' : 'private'}, no-cache`);
      return c.json({
        camera: camera.id,
        from: from.toISOString(),
        to: to.toISOString(),
        frames,
        truncated,
      } satisfies FrameListResponse);
    })
    .get('/:id/frames/:ts', valid('param', FrameParam), async (c) => {
      const { id, ts } = c.req.valid('param');
      const camera = await cameraOr404(db, id);
      assertFramesVisible(principalOf(c), camera);
      const frame = await readFrame(db, camera.id, ts);
      if (!frame)
        throw new ApiError(
          404,
          'not_found',
          'no frame of this camera at that time (past retention, or never sent)',
        );
      // A frame never changes; it may only be deleted by retention.
      return imageResponse(c, camera, frame, 'max-age=3600, immutable');
    })
    .get('/:id/frame', async (c) => {
      const camera = await cameraOr404(db, c.req.param('id'));
      assertFramesVisible(principalOf(c), camera);
      const frame = await readFrame(db, camera.id);
      if (!frame) throw new ApiError(404, 'not_found', 'this camera has no frame yet');
      return imageResponse(c, camera, frame, 'no-cache');
    });
}
