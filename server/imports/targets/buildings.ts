import { parseLength, toNumber } from '../expressions';
import type { BuildingUse } from '../../db/schema';
import { accept, attributesOf, check, mapped, pick, reject, sourceIdOf, type Target, type TargetContext } from './target';

/** Storey height used to derive a height from levels when a building has none (metres). */
export const METRES_PER_LEVEL = 3;
/** Height given to a building with neither height nor levels (metres), flagged in attributes. */
export const DEFAULT_HEIGHT_M = 9;

const USES: Record<string, BuildingUse> = {
  residential: 'residential', apartments: 'residential', house: 'residential', detached: 'residential',
  semidetached_house: 'residential', terrace: 'residential', dormitory: 'residential', bungalow: 'residential',
  office: 'office', commercial: 'office',
  retail: 'retail', supermarket: 'retail', shop: 'retail', kiosk: 'retail', mall: 'retail',
  industrial: 'industrial', warehouse: 'industrial', factory: 'industrial', manufacture: 'industrial',
  civic: 'civic', public: 'civic', government: 'civic', school: 'civic', university: 'civic', college: 'civic',
  hospital: 'civic', church: 'civic', cathedral: 'civic', mosque: 'civic', synagogue: 'civic', temple: 'civic',
  train_station: 'civic', transportation: 'civic', museum: 'civic', fire_station: 'civic', library: 'civic',
  mixed: 'mixed', mixed_use: 'mixed',
};

export function buildingUse(v: unknown): BuildingUse {
  return (typeof v === 'string' && Object.hasOwn(USES, v.toLowerCase()) ? USES[v.toLowerCase()] : undefined) ?? 'other';
}

/**
 * Buildings: polygons with height_m (from `height`/`height_m`, else levels × 3 m, else 9 m),
 * levels, min_height_m, use, name, year_built. OSM tags are understood without a mapping.
 */
export function buildingsTarget(ctx: TargetContext): Target {
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'building') return false;
      const sid = sourceIdOf(ctx, f);
      const c = check(ctx, f, crs);
      if (!c.ok) return reject(ctx, 'f', idx, sid, c.reason), true;
      if (c.kind !== 'polygon') return reject(ctx, 'f', idx, sid, `buildings need polygons; got ${f.geometry?.type}`), true;
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      const levelsRaw = m('levels') ?? toNumber(pick(p, 'building:levels', 'levels', 'num_floors', 'floors'));
      const levels = levelsRaw === null || levelsRaw === undefined ? null : toNumber(levelsRaw);
      let height = m('height_m') ?? parseLength(pick(p, 'height_m', 'height', 'building:height'));
      let heightSource = 'source';
      if ((height === null || height === undefined) && levels !== null) {
        height = levels * METRES_PER_LEVEL;
        heightSource = 'levels';
      }
      if (height === null || height === undefined) {
        height = DEFAULT_HEIGHT_M;
        heightSource = 'default';
      }
      const h = toNumber(height);
      if (h === null || h < 0 || h > 1000) return reject(ctx, 'f', idx, sid, `height_m ${String(height)} is not a number within 0–1000 m`), true;
      if (levels !== null && (levels < 0 || levels > 250)) return reject(ctx, 'f', idx, sid, `levels ${levels} is outside 0–250`), true;
      const minHeight = toNumber(m('min_height_m') ?? parseLength(pick(p, 'min_height', 'min_height_m')));
      const year = toNumber(m('year_built') ?? parseInt(String(pick(p, 'year_built', 'start_date', 'year') ?? ''), 10));
      const use = m('use') ?? pick(p, 'building:use', 'use', 'building');
      const name = m('name') ?? pick(p, 'name');
      accept(ctx, 'f', idx, sid, c.ewkt, {
        height_m: h,
        levels: levels === null ? null : Math.round(levels),
        min_height_m: minHeight !== null && minHeight >= 0 && minHeight < h ? minHeight : null,
        use: buildingUse(use),
        name: name === null ? null : String(name).slice(0, 500),
        year_built: year !== null && year >= 1000 && year <= 2100 ? Math.round(year) : null,
        attributes: { ...attributesOf(p), ...(heightSource !== 'source' ? { height_source: heightSource } : {}) },
      });
      return true;
    },
    finish() {},
    summary: () => ({}),
  };
}
