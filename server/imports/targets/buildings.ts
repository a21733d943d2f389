import type { StagedValues } from '../../../schema/columns';
import { parseLength, toNumber } from '../expressions';
import { BUILDING_USE_MAP, ValueMapper } from '../../../common/value-maps';
import type { SourceCrs } from '../crs';
import type { Model3d } from '../source';
import { mercatorPolygonHex } from '../geometry';
import { copyText, storableJson } from '../stage-writer';
import {
  accept,
  attributesOf,
  checkPolygon,
  mapped,
  pick,
  reject,
  type Target,
  type TargetContext,
} from './target';

/** Storey height used to derive a height from levels when a building has none (metres). */
export const METRES_PER_LEVEL = 3;
/** Height given to a building with neither height nor levels (metres), flagged in attributes. */
export const DEFAULT_HEIGHT_M = 9;

/**
 * Buildings: polygons with height_m (from `height`/`height_m`, else levels × 3 m, else 9 m),
 * levels, min_height_m, use, name, year_built. OSM tags are understood without a mapping.
 */
export function buildingsTarget(ctx: TargetContext): Target {
  const values = new ValueMapper();
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'building') return false;
      const c = checkPolygon(ctx, f, idx, crs, 'buildings need', ctx.direct && !f.model3d);
      if (!c) return true;
      const { sid } = c;
      const p = f.properties;
      const levelsRaw =
        mapped(ctx, 'levels', p) ??
        toNumber(
          pick(p, 'building:levels', 'levels', 'num_floors', 'floors', 'storeysAboveGround'),
        );
      const levels = levelsRaw === null || levelsRaw === undefined ? null : toNumber(levelsRaw);
      const solid = f.model3d;
      let height =
        mapped(ctx, 'height_m', p) ??
        (solid ? solid.top - solid.ground : undefined) ??
        parseLength(pick(p, 'height_m', 'height', 'building:height', 'measuredHeight'));
      let heightSource = solid && !ctx.mapping.has('height_m') ? 'geometry' : 'source';
      if ((height === null || height === undefined) && levels !== null) {
        height = levels * METRES_PER_LEVEL;
        heightSource = 'levels';
      }
      if (height === null || height === undefined) {
        height = DEFAULT_HEIGHT_M;
        heightSource = 'default';
      }
      const h = toNumber(height);
      if (h === null || h < 0 || h > 1000)
        return (
          reject(ctx, 'f', idx, sid, `height_m ${String(height)} is not a number within 0–1000 m`),
          true
        );
      if (levels !== null && (levels < 0 || levels > 250))
        return (reject(ctx, 'f', idx, sid, `levels ${levels} is outside 0–250`), true);
      const minLevel = toNumber(pick(p, 'building:min_level'));
      const minHeight = toNumber(
        mapped(ctx, 'min_height_m', p) ??
          (solid && solid.base - solid.ground > 0.1 ? solid.base - solid.ground : undefined) ??
          parseLength(pick(p, 'min_height', 'min_height_m')) ??
          (minLevel !== null ? minLevel * METRES_PER_LEVEL : null),
      );
      const year = toNumber(
        mapped(ctx, 'year_built', p) ??
          parseInt(
            String(pick(p, 'year_built', 'start_date', 'year', 'yearOfConstruction') ?? ''),
            10,
          ),
      );
      const use = values.map(
        BUILDING_USE_MAP,
        mapped(ctx, 'use', p) ?? pick(p, ...BUILDING_USE_MAP.sources),
      );
      const name = mapped(ctx, 'name', p) ?? pick(p, 'name');
      const vals = {
        height_m: h,
        levels: levels === null ? null : Math.round(levels),
        min_height_m: minHeight !== null && minHeight >= 0 && minHeight < h ? minHeight : null,
        use,
        name: name === null ? null : String(name).slice(0, 500),
        year_built: year !== null && year >= 1000 && year <= 2100 ? Math.round(year) : null,
        attributes: {
          ...attributesOf(p),
          ...(heightSource !== 'source' ? { height_source: heightSource } : {}),
        },
        ...(solid ? { lod: solid.lod, ...surfacesOf(solid, crs) } : {}),
      } satisfies StagedValues<'buildings'>;
      if (ctx.direct && c.ring && !solid) writeDirect(ctx, c.ring, c.bbox, sid, vals);
      else accept(ctx, 'f', idx, sid, c, vals);
      return true;
    },
    finish() {},
    summary: () => ({ unmapped: values.unmapped() }),
  };
}

/**
 * A building that needs nothing from the database — accepted, its footprint one ring proved
 * simple, no 3D model — goes straight into the dataset's table as a row of DIRECT_COLUMNS, with
 * what the staged insert would compute (`ST_Multi(ST_Transform(geom, 3857))`, `use` defaulting
 * to 'other'); text PostgreSQL cannot hold becomes U+FFFD as in staging (copyText, storableJson).
 */
function writeDirect(
  ctx: TargetContext,
  ring: { xs: number[]; ys: number[] },
  bbox: readonly number[],
  sid: string | null,
  v: {
    height_m: number;
    levels: number | null;
    min_height_m: number | null;
    use: string | null;
    name: string | null;
    year_built: number | null;
    attributes: unknown;
  },
): void {
  const attributes = storableJson(JSON.stringify(v.attributes));
  ctx.stats.accepted++;
  ctx.out.directRow(
    `${mercatorPolygonHex(ring.xs, ring.ys)}\t${v.height_m}\t${v.levels ?? '\\N'}\t${copyText(v.use ?? 'other')}\t${copyText(v.name)}\t${v.year_built ?? '\\N'}\t${v.min_height_m ?? '\\N'}\t${copyText(sid)}\t${copyText(attributes)}\n`,
    bbox,
  );
}

/** Buildings with more surface vertices than this keep their footprint and height only. */
export const MAX_SURFACE_VERTICES = 50_000;

/**
 * LoD2+ surfaces as EWKT (WGS84 longitude/latitude, z in metres above the building's ground)
 * and their semantic types, one per polygon; nothing when the model has none or too many.
 */
function surfacesOf(
  solid: Model3d,
  crs: SourceCrs,
): Pick<StagedValues<'buildings'>, 'surfaces' | 'surface_types'> {
  const list = solid.surfaces;
  if (!list?.length) return {};
  let vertices = 0;
  for (const s of list) for (const r of s.rings) vertices += r.length;
  if (vertices > MAX_SURFACE_VERTICES) return {};
  const polygons: string[] = [];
  for (const s of list) {
    const rings = s.rings.map(
      (r) =>
        `(${r
          .map(([x, y, z]) => {
            const [lon, lat] = crs.geographic ? [x, y] : crs.toWgs84(x, y);
            return `${lon} ${lat} ${Math.round((z - solid.ground) * 1000) / 1000}`;
          })
          .join(',')})`,
    );
    polygons.push(`(${rings.join(',')})`);
  }
  if (polygons.some((p) => /NaN|Infinity/.test(p))) return {};
  return {
    surfaces: `SRID=4326;MULTIPOLYGON Z (${polygons.join(',')})`,
    surface_types: list.map((s) => s.type),
  };
}
