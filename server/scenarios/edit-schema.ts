import { z } from 'zod';
import { BUILDING_USES, ROAD_CLASSES } from '../../common/city-classes';
import { MIX_USES } from '../../common/impact-models';
import { polygonProblem } from './polygon-checks';

/**
 * Scenario edits as clients send them (issue #5). Coordinates are WGS84 [lon, lat]; numbers are
 * checked against sane ranges here, geometry validity and "inside the city" in the database.
 */

const position = z
  .array(z.number().finite())
  .min(2)
  .max(3)
  .refine(([lon, lat]) => Math.abs(lon!) <= 180 && Math.abs(lat!) <= 85, {
    message: 'coordinates must be [longitude, latitude] in degrees (WGS84)',
  });

const ring = z
  .array(position)
  .min(4, 'a polygon ring needs at least 4 positions (closed)')
  .max(2000)
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], {
    message: 'a polygon ring must be closed (first position = last position)',
  });

/** At most 50 rings of 2,000 positions; checked (polygon-checks.ts) before any area is computed. */
export const PolygonSchema = z
  .object({
    type: z.literal('Polygon'),
    coordinates: z.array(ring).min(1).max(50),
  })
  .superRefine((g, ctx) => {
    const problem = polygonProblem(g.coordinates);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        path: ['coordinates'],
        message: `geometry is not valid: ${problem}`,
      });
  });

export const LineStringSchema = z.object({
  type: z.literal('LineString'),
  coordinates: z.array(position).min(2).max(2000),
});

const floors = z.number().int('floors must be a whole number').min(1).max(150);
const height = z.number().min(2).max(600);
const use = z.enum(BUILDING_USES);
const uses = z
  .partialRecord(z.enum(MIX_USES), z.number().min(0).max(1))
  .refine((m) => Object.values(m).some((v) => (v ?? 0) > 0), {
    message: 'uses needs at least one share above 0',
  })
  .refine((m) => Math.abs(Object.values(m).reduce<number>((s, v) => s + (v ?? 0), 0) - 1) < 0.011, {
    message: 'use shares must add up to 1',
  });
const featureId = z
  .union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,17}$/)])
  .transform(String);

const AddBuilding = z
  .object({
    kind: z.literal('add_building'),
    geometry: PolygonSchema,
    floors: floors.optional(),
    height_m: height.optional(),
    use: use.optional(),
    uses: uses.optional(),
    name: z.string().max(200).optional(),
  })
  .strict()
  .refine((e) => e.floors !== undefined || e.height_m !== undefined, {
    message: 'add_building needs floors or height_m',
  })
  .refine((e) => !(e.use !== undefined && e.uses !== undefined), {
    message: 'give use or uses, not both',
  });

const ChangeBuilding = z
  .object({
    kind: z.literal('change_building'),
    buildingId: featureId,
    floors: floors.optional(),
    height_m: height.optional(),
    use: use.optional(),
    uses: uses.optional(),
  })
  .strict()
  .refine(
    (e) =>
      e.floors !== undefined ||
      e.height_m !== undefined ||
      e.use !== undefined ||
      e.uses !== undefined,
    {
      message: 'change_building needs at least one of floors, height_m, use, uses',
    },
  )
  .refine((e) => !(e.floors !== undefined && e.height_m !== undefined), {
    message: 'give floors or height_m, not both',
  });

const DemolishBuilding = z
  .object({ kind: z.literal('demolish_building'), buildingId: featureId })
  .strict();

const EditRoad = z
  .object({
    kind: z.literal('edit_road'),
    roadLinkId: featureId,
    closed: z.boolean().optional(),
    lanes: z.number().int().min(1).max(12).optional(),
    speed_limit_kmh: z.number().min(5).max(130).optional(),
    capacity_veh_h: z.number().min(50).max(20_000).optional(),
  })
  .strict()
  .refine(
    (e) =>
      e.closed !== undefined ||
      e.lanes !== undefined ||
      e.speed_limit_kmh !== undefined ||
      e.capacity_veh_h !== undefined,
    { message: 'edit_road needs at least one of closed, lanes, speed_limit_kmh, capacity_veh_h' },
  );

const AddRoad = z
  .object({
    kind: z.literal('add_road'),
    geometry: LineStringSchema,
    class: z.enum(ROAD_CLASSES).default('local'),
    name: z.string().max(200).optional(),
    lanes: z.number().int().min(1).max(12).default(1),
    speed_limit_kmh: z.number().min(5).max(130).default(50),
    capacity_veh_h: z.number().min(50).max(20_000).optional(),
    oneway: z.boolean().default(false),
  })
  .strict();

export const EditSchema = z.discriminatedUnion('kind', [
  AddBuilding,
  ChangeBuilding,
  DemolishBuilding,
  EditRoad,
  AddRoad,
]);
export type Edit = z.infer<typeof EditSchema>;

export const ScenarioCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    owner: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const ScenarioUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5000).optional(),
    owner: z.string().trim().min(1).max(200).nullable().optional(),
    status: z.enum(['draft', 'published']).optional(),
  })
  .strict();

export const DuplicateSchema = z
  .object({ name: z.string().trim().min(1).max(200).optional() })
  .strict();

export const FactorUpdateSchema = z
  .object({
    value: z.number().finite(),
    source: z.string().trim().min(1).max(1000).optional(),
    unit: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

/** "floors: must be ≥ 1; geometry.coordinates.0: …" from a zod error, for a 400 message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
