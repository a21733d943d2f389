import type { StagedValues } from '../../../schema/columns';
import type { LandUseClass } from '../../../schema/database';
import { LAND_USE_MAP, mapValue, ValueMapper } from '../../../common/value-maps';
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

/** The twin's class for a source value (OSM `landuse=*` and kin; unknown values become `other`). */
export function landUseClass(v: unknown): LandUseClass {
  return mapValue(LAND_USE_MAP, v).value;
}

/**
 * Land use (issue #15): polygons with `class` (from `--map class=…`, or `class`, `landuse`,
 * `leisure`, `natural`, `amenity`, `waterway`), `name` and an optional zoning `max_height_m`.
 */
export function landUseTarget(ctx: TargetContext): Target {
  const values = new ValueMapper();
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'land_use') return false;
      const c = checkPolygon(ctx, f, idx, crs, 'land use needs');
      if (!c) return true;
      const { sid } = c;
      const p = f.properties;
      const cls = mapped(ctx, 'class', p) ?? pick(p, ...LAND_USE_MAP.sources);
      const maxHeight = toNumber(
        mapped(ctx, 'max_height_m', p) ?? pick(p, 'max_height_m', 'max_height'),
      );
      const name = mapped(ctx, 'name', p) ?? pick(p, 'name');
      accept(ctx, 'f', idx, sid, c, {
        class: values.map(LAND_USE_MAP, cls),
        name: name === null ? null : String(name).slice(0, 500),
        max_height_m: maxHeight !== null && maxHeight > 0 && maxHeight <= 1000 ? maxHeight : null,
        attributes: attributesOf(p),
      } satisfies StagedValues<'land_use'>);
      return true;
    },
    finish() {},
    summary: () => ({ unmapped: values.unmapped() }),
  };
}
