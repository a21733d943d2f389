import type { StagedValues } from '../../../schema/columns';
import type { LandUseClass } from '../../../schema/database';
import { toNumber } from '../expressions';
import {
  accept,
  attributesOf,
  checkPolygon,
  mapped,
  pick,
  type Target,
  type TargetContext,
} from './target';

/** OSM tag values (landuse, leisure, natural, amenity, waterway) and common names → the twin's classes. */
const CLASSES: Record<string, LandUseClass> = {
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
  mixed: 'mixed',
  civic: 'civic',
  education: 'civic',
  institutional: 'civic',
  religious: 'civic',
  school: 'civic',
  university: 'civic',
  college: 'civic',
  hospital: 'civic',
  forest: 'forest',
  wood: 'forest',
  farmland: 'farmland',
  farmyard: 'farmland',
  meadow: 'farmland',
  orchard: 'farmland',
  vineyard: 'farmland',
  allotments: 'farmland',
  cemetery: 'cemetery',
  grave_yard: 'cemetery',
};

export function landUseClass(v: unknown): LandUseClass {
  return (
    (typeof v === 'string' && Object.hasOwn(CLASSES, v.toLowerCase())
      ? CLASSES[v.toLowerCase()]
      : undefined) ?? 'other'
  );
}

/**
 * Land use (issue #15): polygons with `class` (from `--map class=…`, or `class`, `landuse`,
 * `leisure`, `natural`, `amenity`, `waterway`), `name` and an optional zoning `max_height_m`.
 */
export function landUseTarget(ctx: TargetContext): Target {
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'land_use') return false;
      const c = checkPolygon(ctx, f, idx, crs, 'land use needs');
      if (!c) return true;
      const { sid } = c;
      const p = f.properties;
      const cls =
        mapped(ctx, 'class', p) ??
        pick(p, 'class', 'landuse', 'leisure', 'natural', 'amenity', 'waterway', 'use');
      const maxHeight = toNumber(
        mapped(ctx, 'max_height_m', p) ?? pick(p, 'max_height_m', 'max_height'),
      );
      const name = mapped(ctx, 'name', p) ?? pick(p, 'name');
      accept(ctx, 'f', idx, sid, c.geom, {
        class: landUseClass(cls),
        name: name === null ? null : String(name).slice(0, 500),
        max_height_m: maxHeight !== null && maxHeight > 0 && maxHeight <= 1000 ? maxHeight : null,
        attributes: attributesOf(p),
      } satisfies StagedValues<'land_use'>);
      return true;
    },
    finish() {},
    summary: () => ({}),
  };
}
