import { sql, type RawBuilder } from 'kysely';
import type { ColumnSpec, TableSpec } from './columns';

/**
 * The one generator of the statements that write a twin table from its column spec
 * (`schema/columns.ts`): the import's insert, update and upsert from the staging table, and the
 * demo seeder's insert from a JSON batch. Identifiers go through `sql.table` / `sql.id` /
 * `sql.ref`, values are bound parameters, and types are the spec's closed set of SQL types.
 *
 * Import statements read the staging table under the alias `s` (`import_stage s`): the caller
 * gives the FROM … WHERE … part, which differs by shape (features, network nodes, links).
 */

/** What an import statement writes besides the staged row's own values. */
export interface StageRefs {
  /** The dataset id of the load (bound). */
  datasetId: string;
  /** Ids the loader allocated (network nodes); without it the table generates them. */
  id?: RawBuilder<unknown>;
  /** The resolved node ids of a network link. */
  from?: RawBuilder<unknown>;
  to?: RawBuilder<unknown>;
}

const typed = (type: ColumnSpec['type']) => sql.raw(type);
const withDefault = (value: RawBuilder<unknown>, c: ColumnSpec) =>
  c.default === undefined
    ? value
    : sql`coalesce(${value}, ${sql.lit(c.default)}::${typed(c.type)})`;

/** `s.vals` or, for a spec with `valuesKey`, `s.vals->'<key>'`. */
function stagedValues(spec: TableSpec): RawBuilder<unknown> {
  return spec.valuesKey ? sql`(s.vals->${spec.valuesKey}::text)` : sql`s.vals`;
}

/** The expression an import writes into column `name`, or null when it leaves the column be. */
function stagedExpression(
  spec: TableSpec,
  name: string,
  c: ColumnSpec,
  refs: StageRefs,
): RawBuilder<unknown> | null {
  const key = sql`${name}::text`;
  switch (c.fill ?? 'value') {
    case 'id':
      return refs.id ?? null;
    case 'geom': {
      const g = sql`ST_Transform(s.geom, 3857)`;
      return c.multi ? sql`ST_Multi(${g})` : g;
    }
    case 'value':
      return withDefault(sql`(${stagedValues(spec)}->>${key})::${typed(c.type)}`, c);
    case 'json':
      return withDefault(sql`${stagedValues(spec)}->${key}`, c);
    case 'dataset':
      return sql`${refs.datasetId}::bigint`;
    case 'source':
      return sql`s.source_id`;
    case 'length':
      return sql`ST_Length(s.geom::geography)`;
    case 'from_node':
      return refs.from ?? null;
    case 'to_node':
      return refs.to ?? null;
    case 'ewkt':
      return sql`ST_Transform(ST_GeomFromEWKT(s.vals->>${key}), 3857)`;
    case 'text_array':
      return sql`CASE WHEN s.vals ? ${key} THEN ARRAY(SELECT jsonb_array_elements_text(s.vals->${key})) END`;
    case 'none':
      return null;
  }
}

function stagedColumns(spec: TableSpec, refs: StageRefs) {
  const out: { name: string; value: RawBuilder<unknown> }[] = [];
  for (const [name, c] of Object.entries(spec.columns)) {
    const value = stagedExpression(spec, name, c, refs);
    if (value) out.push({ name, value });
  }
  return out;
}

/**
 * `INSERT INTO <table> (<columns>) SELECT <staged values> <from>`; for a spec with a conflict
 * key, an upsert that updates every written column but the key.
 */
export function insertFromStage(
  spec: TableSpec,
  refs: StageRefs,
  from: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const cols = stagedColumns(spec, refs);
  const insert = sql`INSERT INTO ${sql.table(spec.table)} (${sql.join(cols.map((c) => sql.id(c.name)))})
    SELECT ${sql.join(cols.map((c) => c.value))} ${from}`;
  const key = spec.conflictKey;
  if (!key) return insert;
  const set = cols
    .filter((c) => c.name !== key)
    .map((c) => sql`${sql.id(c.name)} = EXCLUDED.${sql.id(c.name)}`);
  return sql`${insert} ON CONFLICT (${sql.id(key)}) DO UPDATE SET ${sql.join(set)}`;
}

/**
 * `UPDATE <table> AS x SET <column> = <staged value>, … <from>`: every column an import writes
 * but the id, for rows matched in `from` (which joins `x`).
 */
export function updateFromStage(
  spec: TableSpec,
  refs: Omit<StageRefs, 'id'>,
  from: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const set = stagedColumns(spec, refs).map((c) => sql`${sql.id(c.name)} = ${c.value}`);
  return sql`UPDATE ${sql.table(spec.table)} AS x SET ${sql.join(set)} ${from}`;
}

/** The columns the demo seeder writes, with their record type and value. */
function demoColumns(spec: TableSpec, datasetId: string) {
  const out: { name: string; field?: RawBuilder<unknown>; value: RawBuilder<unknown> }[] = [];
  for (const [name, c] of Object.entries(spec.columns)) {
    const fill = c.fill ?? 'value';
    if (fill === 'dataset') out.push({ name, value: sql`${datasetId}::bigint` });
    else if (fill === 'geom') {
      const g = sql`ST_GeomFromText(r.wkt, 3857)`;
      out.push({ name, field: sql`wkt text`, value: c.multi ? sql`ST_Multi(${g})` : g });
    } else if (['id', 'value', 'json', 'length', 'from_node', 'to_node'].includes(fill)) {
      const type = fill === 'json' ? 'jsonb' : c.type;
      out.push({
        name,
        field: sql`${sql.id(name)} ${typed(type)}`,
        value: withDefault(sql.ref(`r.${name}`), c),
      });
    }
  }
  return out;
}

/**
 * One INSERT … SELECT per demo batch: the rows travel as a single JSON parameter, expanded by
 * `json_to_recordset` (fields named as the columns; geometry as `wkt` in EPSG:3857). The
 * parameter is typed `text` first: postgres.js would JSON-encode a string bound to a `json`
 * parameter a second time.
 */
export function insertFromJson(
  spec: TableSpec,
  json: string,
  datasetId: string,
): RawBuilder<unknown> {
  const cols = demoColumns(spec, datasetId);
  const fields = cols.flatMap((c) => (c.field ? [c.field] : []));
  return sql`INSERT INTO ${sql.table(spec.table)} (${sql.join(cols.map((c) => sql.id(c.name)))})
    SELECT ${sql.join(cols.map((c) => c.value))}
    FROM json_to_recordset(${json}::text::json) AS r(${sql.join(fields)})`;
}
