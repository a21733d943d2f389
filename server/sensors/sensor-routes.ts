import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../errors';
import type { ReadingsResponse, SensorListResponse } from '../../common/sensor-types';
import { principalOf } from '../auth/principal';
import { assertSensorVisible, seesAllSensors } from '../auth/sensor-access';
import { bucket, kindList, mercatorBbox, time } from '../params';
import { valid } from '../validate';
import {
  findSensor,
  listSensors,
  registerSensors,
  sensorReadings,
  unknownCameras,
} from './sensor-queries';
import type { SensorService } from './sensor-service';

const ListQuery = z.object({
  kind: kindList.optional(),
  bbox: mercatorBbox.optional(),
  at: time.optional(),
  asset_type: z
    .enum(['road_link', 'water_pipe', 'water_node', 'power_line', 'power_node'])
    .optional(),
  asset_id: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, 'asset_id: a numeric id')
    .optional(),
  limit: z.coerce.number().int().min(1).max(50_000).default(20_000),
});

/** `/{id}`: a sensor's id or external id. */
const SensorParam = z.object({ id: z.string().max(200) });

const ReadingsQuery = z.object({
  from: time.optional(),
  to: time.optional(),
  bucket: bucket.default(300),
});

/** Most buckets one history request may return. */
const MAX_POINTS = 10_000;

const Registration = z
  .object({
    external_id: z.string().min(1).max(200),
    kind: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
    unit: z.string().max(20).optional(),
    name: z.string().max(200).optional(),
    location: z.tuple([z.number().min(-180).max(180), z.number().min(-85).max(85)]),
    asset_type: z
      .enum(['road_link', 'water_pipe', 'water_node', 'power_line', 'power_node'])
      .optional(),
    asset_id: z
      .union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/)])
      .optional(),
    reference_value: z.number().positive().finite().optional(),
    interval_s: z
      .number()
      .int()
      .positive()
      .max(86_400 * 7)
      .optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    // Issue #17: a camera's view, and the camera a counts sensor's readings come from.
    camera: z
      .object({
        heading: z.number().min(0).lt(360),
        fov: z.number().gt(0).max(360),
        range_m: z.number().gt(0).max(2000).optional(),
        links: z
          .array(z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,17}$/)]))
          .max(50)
          .optional(),
      })
      .optional(),
    source: z.union([z.number().int().positive(), z.string().min(1).max(200)]).optional(),
  })
  .refine((s) => (s.asset_type === undefined) === (s.asset_id === undefined), {
    message: 'asset_type and asset_id go together',
  })
  .refine((s) => (s.kind === 'camera') === (s.camera !== undefined), {
    message: 'a sensor of kind camera needs its camera view {heading, fov}, and only it has one',
    path: ['camera'],
  })
  .refine((s) => s.source === undefined || s.kind !== 'camera', {
    message: 'a camera has no source',
    path: ['source'],
  });

/** `POST /api/sensors`: one sensor or an array of them. */
const RegistrationBody = z.preprocess(
  (body) => (Array.isArray(body) ? body : [body]),
  z.array(Registration).max(10_000),
);

/**
 * `GET /api/sensors?kind&bbox&at` (sensors with their current value), `POST /api/sensors`
 * (register new sensors; GIS staff) and `GET /api/sensors/{id}/readings?from&to&bucket`.
 * Below planner only traffic sensors exist (issue #9).
 */
export function sensorRoutes(service: SensorService) {
  const db = service.backend.db;
  return new Hono()
    .get('/', valid('query', ListQuery), async (c) => {
      const q = c.req.valid('query');
      const at = q.at ?? new Date();
      const asset = q.asset_type && q.asset_id ? { type: q.asset_type, id: q.asset_id } : undefined;
      const publicOnly = !seesAllSensors(principalOf(c));
      const sensors = await listSensors(db, {
        kinds: q.kind,
        bbox: q.bbox,
        at: q.at,
        asset,
        limit: q.limit,
        publicOnly,
      });
      return c.json({ at: at.toISOString(), sensors } satisfies SensorListResponse);
    })
    .post('/', valid('json', RegistrationBody), async (c) => {
      const sensors = c.req.valid('json');
      const sources = sensors.flatMap((s) => (s.source === undefined ? [] : [String(s.source)]));
      const unknown = await unknownCameras(db, sources, sensors);
      if (unknown.length > 0)
        throw new ApiError(
          400,
          'bad_request',
          `source: no camera ${JSON.stringify(unknown[0]!.slice(0, 200))}`,
        );
      const result = await registerSensors(db, sensors);
      return c.json(result, result.created > 0 ? 201 : 200);
    })
    .get(
      '/:id/readings',
      valid('param', SensorParam, { notFound: 'no such sensor' }),
      valid('query', ReadingsQuery),
      async (c) => {
        const q = c.req.valid('query');
        const to = q.to ?? new Date();
        const from = q.from ?? new Date(to.getTime() - 24 * 3600_000);
        if (from >= to) throw new ApiError(400, 'bad_request', 'from must be before to');
        if ((to.getTime() - from.getTime()) / 1000 / q.bucket > MAX_POINTS) {
          throw new ApiError(
            400,
            'bad_request',
            `at most ${MAX_POINTS} buckets: widen bucket or narrow from/to`,
          );
        }
        const ref = c.req.valid('param').id;
        // History may lag a moment: a read replica serves it when one is configured (issue #16).
        const read = service.backend.readDb;
        const sensor = await findSensor(read, ref);
        if (!sensor)
          throw new ApiError(404, 'not_found', `no sensor ${JSON.stringify(ref.slice(0, 200))}`);
        assertSensorVisible(principalOf(c), sensor.kind);
        const id = sensor.id;
        const points = await sensorReadings(read, id, from, to, q.bucket);
        return c.json({
          sensor: id,
          from: from.toISOString(),
          to: to.toISOString(),
          bucket_s: q.bucket,
          points,
        } satisfies ReadingsResponse);
      },
    );
}
