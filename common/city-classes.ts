/**
 * The closed value sets of the city model's categorical columns, declared once: the database
 * types (schema/database.ts), the importers, the demo city and the web all read these.
 */

/** `buildings.use` (a scenario's added or changed building too). */
export const BUILDING_USES = [
  'residential',
  'office',
  'retail',
  'industrial',
  'civic',
  'mixed',
  'other',
] as const;
export type BuildingUse = (typeof BUILDING_USES)[number];

/** `road_links.class`, most important first. */
export const ROAD_CLASSES = [
  'motorway',
  'trunk',
  'arterial',
  'collector',
  'local',
  'service',
] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

/** `land_use.class`. */
export const LAND_USE_CLASSES = [
  'park',
  'water',
  'residential',
  'commercial',
  'industrial',
  'mixed',
  'civic',
  'forest',
  'farmland',
  'cemetery',
  'other',
] as const;
export type LandUseClass = (typeof LAND_USE_CLASSES)[number];

/** `water_nodes.kind`. */
export const WATER_NODE_KINDS = ['junction', 'tank', 'reservoir', 'pump'] as const;
export type WaterNodeKind = (typeof WATER_NODE_KINDS)[number];

/** `power_nodes.kind`. */
export const POWER_NODE_KINDS = ['substation', 'transformer', 'pole'] as const;
export type PowerNodeKind = (typeof POWER_NODE_KINDS)[number];
