import type { Value } from '../expressions';
import { accept, check, reject, sourceIdOf, type Target, type TargetContext } from './target';
import type { GeometryKind } from '../geometry';

/** A custom layer column's type, from its values (issue #12 item 6); SQL types in custom-layers. */
export type { CustomColumnType as ColumnType } from '../../../common/api-types';
import type { CustomColumnType as ColumnType } from '../../../common/api-types';
export interface CustomColumn {
  name: string;
  type: ColumnType;
}

/** Columns a custom layer gets at most (further properties stay in `attributes`). */
export const MAX_CUSTOM_COLUMNS = 40;
/**
 * Column names a source field cannot take (issue #10): the custom table's own columns, and
 * PostgreSQL's system columns (a table cannot have a column named xmin or ctid).
 */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'geom',
  'dataset_id',
  'source_id',
  'attributes',
  'tableoid',
  'xmin',
  'cmin',
  'xmax',
  'cmax',
  'ctid',
  'oid',
]);

/**
 * A property name as a column name: lower snake case, a-z0-9_; a reserved name gets the prefix
 * `src_` (`xmin` → `src_xmin`), predictably, and the import report lists it.
 */
export function columnName(key: string): string | null {
  let s = key
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50);
  if (!s) return null;
  if (/^[0-9]/.test(s)) s = `f_${s}`;
  while (RESERVED_COLUMNS.has(s)) s = `src_${s}`;
  return s;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** A calendar day that exists (no 2024-02-30), years 1–9999 (what `date` accepts as ISO). */
function isDay(y: string, m: string, d: string): boolean {
  const [year, month, day] = [Number(y), Number(m), Number(d)];
  const t = new Date(Date.UTC(2000, month - 1, day));
  t.setUTCFullYear(year);
  return (
    year >= 1 &&
    t.getUTCFullYear() === year &&
    t.getUTCMonth() === month - 1 &&
    t.getUTCDate() === day
  );
}

/** True for an ISO 8601 calendar date (`2024-05-01`) that exists. */
export function isIsoDate(v: string): boolean {
  const m = ISO_DATE.exec(v);
  return m !== null && isDay(m[1]!, m[2]!, m[3]!);
}

/**
 * True for an ISO 8601 date-time that exists (`2024-05-01T10:30:00+02:00`; seconds, fraction
 * and offset optional, `T` or a space). One without an offset is read as UTC: the load sets the
 * transaction's time zone (server/imports/load.ts).
 */
export function isIsoDateTime(v: string): boolean {
  const m = ISO_DATE_TIME.exec(v);
  if (!m || !isDay(m[1]!, m[2]!, m[3]!)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return false;
  const zone = m[8];
  if (!zone || zone === 'Z') return true;
  const digits = zone.slice(1).replace(':', '');
  return Number(digits.slice(0, 2)) <= 15 && Number(digits.slice(2) || 0) <= 59;
}

/** The type of one value; a value is staged as it is, and cast by the column's SQL type. */
export function valueType(v: unknown): ColumnType | null {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 'int' : 'float';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') {
    const s = v.trim();
    return isIsoDate(s) ? 'date' : isIsoDateTime(s) ? 'datetime' : 'string';
  }
  return null;
}

/**
 * The type that holds both: int and float make float, date and datetime make datetime (a day
 * is its midnight, UTC); any other mix is text.
 */
export function widen(a: ColumnType | undefined, b: ColumnType): ColumnType {
  if (!a || a === b) return b;
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  if ((a === 'date' && b === 'datetime') || (a === 'datetime' && b === 'date')) return 'datetime';
  return 'string';
}

/**
 * A custom layer: any geometry; its columns are the mapped fields (with --map) or the source
 * properties, typed by what the file holds: int, float, boolean, date (ISO 8601 `2024-05-01`),
 * datetime (ISO 8601 date-times), or string when the values of a field are not all of one kind.
 */
export function customTarget(ctx: TargetContext): Target {
  const types = new Map<string, ColumnType>();
  /** Source fields whose column name had to change because it is reserved: field → column. */
  const renamed = new Map<string, string>();
  /** A tile layer has one geometry kind: the first accepted feature's. */
  let kind: Exclude<GeometryKind, 'collection'> | null = ctx.customGeometry ?? null;
  return {
    feature(f, idx, crs) {
      const sid = sourceIdOf(ctx, f);
      const c = check(ctx, f, crs);
      if (!c.ok) return (reject(ctx, 'f', idx, sid, c.reason), true);
      if (c.kind === 'collection')
        return (
          reject(ctx, 'f', idx, sid, 'geometry collections cannot be published as a tile layer'),
          true
        );
      kind ??= c.kind;
      if (c.kind !== kind)
        return (
          reject(ctx, 'f', idx, sid, `this layer holds ${kind}s; the feature is a ${c.kind}`),
          true
        );
      const values: Record<string, Value> = {};
      const entries: [string, unknown][] = ctx.mapping.size
        ? [...ctx.mapping].filter(([k]) => k !== 'source_id').map(([k, e]) => [k, e(f.properties)])
        : Object.entries(f.properties);
      for (const [key, v] of entries) {
        const col = ctx.mapping.size ? mappedColumn(key) : columnName(key);
        if (!col) continue;
        if (col.startsWith('src_') && !/^src_/i.test(key) && !renamed.has(key))
          renamed.set(key, col);
        const t = valueType(v);
        if (!types.has(col) && types.size >= MAX_CUSTOM_COLUMNS) continue;
        if (t) types.set(col, widen(types.get(col), t));
        else if (!types.has(col)) types.set(col, undefined as unknown as ColumnType);
        values[col] = t ? (v as Value) : null;
      }
      accept(ctx, 'f', idx, sid, c.geom, { values, attributes: f.properties });
      return true;
    },
    finish() {},
    summary: () => ({
      columns: [...types].map(([name, type]) => ({
        name,
        type: type ?? 'string',
      })) satisfies CustomColumn[],
      geometry: kind,
      renamed: [...renamed].map(([field, column]) => ({ field, column })),
    }),
  };
}

/** A `--map` target field of a custom layer: kept as given unless it is reserved. */
function mappedColumn(field: string): string {
  let s = field;
  while (RESERVED_COLUMNS.has(s)) s = `src_${s}`;
  return s;
}
