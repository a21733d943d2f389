import type { BuildingUse } from './city-classes';

/**
 * How source values of a building's use (OSM `building=*`, `building:use`, or a file's `use`
 * column) become the twin's uses (issue #12 item 6): shared by the importer and the import page,
 * which shows the mapping before an import. Values not listed become `other` and are listed in
 * the import report.
 */

export const BUILDING_USE_VALUES: Readonly<Record<string, BuildingUse>> = {
  residential: 'residential',
  apartments: 'residential',
  house: 'residential',
  detached: 'residential',
  semidetached_house: 'residential',
  terrace: 'residential',
  dormitory: 'residential',
  bungalow: 'residential',
  office: 'office',
  commercial: 'office',
  retail: 'retail',
  supermarket: 'retail',
  shop: 'retail',
  kiosk: 'retail',
  mall: 'retail',
  industrial: 'industrial',
  warehouse: 'industrial',
  factory: 'industrial',
  manufacture: 'industrial',
  civic: 'civic',
  public: 'civic',
  government: 'civic',
  school: 'civic',
  university: 'civic',
  college: 'civic',
  hospital: 'civic',
  church: 'civic',
  cathedral: 'civic',
  mosque: 'civic',
  synagogue: 'civic',
  temple: 'civic',
  train_station: 'civic',
  transportation: 'civic',
  museum: 'civic',
  fire_station: 'civic',
  library: 'civic',
  mixed: 'mixed',
  mixed_use: 'mixed',
  // OSM's "a building, use unknown": other, knowingly (not listed as unmapped).
  yes: 'other',
  other: 'other',
};

/** The twin's use for a source value, and whether the table knew it. */
export function mapBuildingUse(v: unknown): { use: BuildingUse; known: boolean } {
  const key = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const use = Object.hasOwn(BUILDING_USE_VALUES, key) ? BUILDING_USE_VALUES[key] : undefined;
  return use ? { use, known: true } : { use: 'other', known: key === '' };
}

/** Source fields read for the use, in order (the first present wins). */
export const BUILDING_USE_FIELDS = [
  'building:use',
  'use',
  'building',
  'usage',
  'function',
] as const;
