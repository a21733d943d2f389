/**
 * How a source's categorical values become the twin's (issue #12 item 6): OSM `building=*` →
 * building use, `highway=*` → road class, `landuse`/`leisure`/`natural=*` → land-use class,
 * `power=*` and a water node's `kind`. Shared by the importer (server/imports/targets/) and the
 * import page, which shows the mapping before an import; values a table does not know become its
 * fallback and are listed in the import report.
 */
import { BUILDING_USE_FIELDS, BUILDING_USE_VALUES } from './building-uses';
import type {
  BuildingUse,
  LandUseClass,
  PowerNodeKind,
  RoadClass,
  WaterNodeKind,
} from './city-classes';

export interface ValueMap<T extends string = string> {
  /** The twin column it fills. */
  field: string;
  /** Source fields read for it, in order (the first present wins). */
  sources: readonly string[];
  /** Source value (lower case) → the twin's value. */
  values: Readonly<Record<string, T>>;
  /** What a value not in `values` becomes (and an absent one). */
  fallback: T;
}

export const BUILDING_USE_MAP: ValueMap<BuildingUse> = {
  field: 'use',
  sources: BUILDING_USE_FIELDS,
  values: BUILDING_USE_VALUES,
  fallback: 'other',
};

/** OSM `highway=*` (and generic class names) → the twin's road classes. */
export const ROAD_CLASS_MAP: ValueMap<RoadClass> = {
  field: 'class',
  sources: ['highway', 'class', 'fclass', 'road_class'],
  values: {
    motorway: 'motorway',
    motorway_link: 'motorway',
    trunk: 'trunk',
    trunk_link: 'trunk',
    primary: 'arterial',
    primary_link: 'arterial',
    secondary: 'arterial',
    secondary_link: 'arterial',
    arterial: 'arterial',
    tertiary: 'collector',
    tertiary_link: 'collector',
    collector: 'collector',
    residential: 'local',
    unclassified: 'local',
    living_street: 'local',
    road: 'local',
    local: 'local',
    busway: 'local',
    service: 'service',
    track: 'service',
  },
  fallback: 'local',
};

/** OSM `landuse`, `leisure`, `natural`, `amenity`, `waterway` values → the twin's land-use classes. */
export const LAND_USE_MAP: ValueMap<LandUseClass> = {
  field: 'class',
  sources: ['class', 'landuse', 'leisure', 'natural', 'amenity', 'waterway', 'use'],
  values: {
    park: 'park',
    garden: 'park',
    playground: 'park',
    pitch: 'park',
    nature_reserve: 'park',
    common: 'park',
    recreation_ground: 'park',
    village_green: 'park',
    grass: 'park',
    dog_park: 'park',
    golf_course: 'park',
    sports_centre: 'park',
    scrub: 'park',
    heath: 'park',
    water: 'water',
    reservoir: 'water',
    basin: 'water',
    riverbank: 'water',
    wetland: 'water',
    residential: 'residential',
    commercial: 'commercial',
    retail: 'commercial',
    industrial: 'industrial',
    port: 'industrial',
    railway: 'industrial',
    quarry: 'industrial',
    construction: 'other',
    brownfield: 'other',
    mixed: 'mixed',
    civic: 'civic',
    education: 'civic',
    institutional: 'civic',
    religious: 'civic',
    school: 'civic',
    university: 'civic',
    college: 'civic',
    hospital: 'civic',
    military: 'civic',
    forest: 'forest',
    wood: 'forest',
    farmland: 'farmland',
    farmyard: 'farmland',
    meadow: 'farmland',
    orchard: 'farmland',
    vineyard: 'farmland',
    allotments: 'farmland',
    greenhouse_horticulture: 'farmland',
    cemetery: 'cemetery',
    grave_yard: 'cemetery',
    other: 'other',
  },
  fallback: 'other',
};

/** OSM `power=*` on a point (or a substation polygon) → the twin's power node kinds. */
export const POWER_NODE_KIND_MAP: ValueMap<PowerNodeKind> = {
  field: 'kind',
  sources: ['power', 'kind'],
  values: {
    substation: 'substation',
    sub_station: 'substation',
    transformer: 'transformer',
    pole: 'pole',
    tower: 'pole',
    portal: 'pole',
    catenary_mast: 'pole',
    terminal: 'pole',
  },
  fallback: 'pole',
};

/** A water node's kind (`kind`, `type`, `node_type`; EPANET and OSM `man_made` words). */
export const WATER_NODE_KIND_MAP: ValueMap<WaterNodeKind> = {
  field: 'kind',
  sources: ['kind', 'type', 'node_type'],
  values: {
    junction: 'junction',
    node: 'junction',
    valve: 'junction',
    hydrant: 'junction',
    tank: 'tank',
    storage_tank: 'tank',
    water_tower: 'tank',
    reservoir: 'reservoir',
    pump: 'pump',
    pumping_station: 'pump',
  },
  fallback: 'junction',
};

/** The value maps each import layer applies (what the import page shows before confirming). */
export const VALUE_MAPS: Readonly<Record<string, readonly ValueMap[]>> = {
  buildings: [BUILDING_USE_MAP],
  roads: [ROAD_CLASS_MAP],
  land_use: [LAND_USE_MAP],
  power: [POWER_NODE_KIND_MAP],
  water: [WATER_NODE_KIND_MAP],
};

/** The twin's value for a source value, and whether the table knew it (absent counts as known). */
export function mapValue<T extends string>(
  map: ValueMap<T>,
  v: unknown,
): { value: T; known: boolean } {
  const key =
    typeof v === 'string' ? v.trim().toLowerCase() : typeof v === 'number' ? String(v) : '';
  const value = Object.hasOwn(map.values, key) ? map.values[key] : undefined;
  return value ? { value, known: true } : { value: map.fallback, known: key === '' };
}

/** One line of the import report's `unmapped_values`. */
export interface UnmappedValue {
  field: string;
  value: string;
  count: number;
  mapped_to: string;
}

/** At most this many distinct unmapped values are kept per import. */
const MAX_DISTINCT = 200;

/** Maps values through the tables and counts those they did not know, for the import report. */
export class ValueMapper {
  readonly #unmapped = new Map<string, UnmappedValue>();

  /** The twin's value for `v` (the fallback for an unknown one, which is counted). */
  map<T extends string>(map: ValueMap<T>, v: unknown): T {
    const { value, known } = mapValue(map, v);
    if (!known) {
      const raw = String(v).trim().slice(0, 200);
      const key = `${map.field}\u0000${raw}`;
      const seen = this.#unmapped.get(key);
      if (seen) seen.count++;
      else if (this.#unmapped.size < MAX_DISTINCT)
        this.#unmapped.set(key, { field: map.field, value: raw, count: 1, mapped_to: value });
    }
    return value;
  }

  /** The unknown values met, the most frequent first. */
  unmapped(): UnmappedValue[] {
    return [...this.#unmapped.values()].sort((a, b) => b.count - a.count);
  }
}
