import type { AttributeType } from '../../common/api-types';
import type { LayerCatalog, LayerDefinition } from '../../tiles/catalog';

export interface ExportColumn {
  name: string;
  /** The layer's attribute type; every output format has one for each (GeoPackage INTEGER/REAL/TEXT/BOOLEAN, FlatGeobuf…). */
  type: AttributeType;
}

/** One table of an export: where its rows are and which columns go out. */
export interface ExportTable {
  /** The output layer's name (a GeoPackage table, the file name of the others). */
  name: string;
  /** The database table: only names from the catalogue or the list below reach SQL. */
  table: string;
  /** GeoPackage geometry type name (`MULTIPOLYGON`, `LINESTRING`, `POINT`, `GEOMETRY`). */
  geometryType: string;
  columns: ExportColumn[];
}

/** Geometry type per twin table (custom layers hold any: GEOMETRY). */
const GEOMETRY_TYPES: Record<string, string> = {
  buildings: 'MULTIPOLYGON',
  land_use: 'MULTIPOLYGON',
  road_links: 'LINESTRING',
  water_pipes: 'LINESTRING',
  power_lines: 'LINESTRING',
  road_nodes: 'POINT',
  water_nodes: 'POINT',
  power_nodes: 'POINT',
  sensors: 'POINT',
};

/** Columns every feature table has besides its attributes (attributes jsonb goes out as JSON text). */
const COMMON: ExportColumn[] = [
  { name: 'source_id', type: 'string' },
  { name: 'dataset_id', type: 'int' },
  { name: 'attributes', type: 'string' },
];

/** Tables a dataset may have rows in that are no tile layer of their own. */
const EXTRA_TABLES: Record<string, ExportColumn[]> = {
  road_nodes: [],
  sensors: [
    { name: 'external_id', type: 'string' },
    { name: 'kind', type: 'string' },
    { name: 'unit', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'reference_value', type: 'float' },
    { name: 'interval_s', type: 'int' },
  ],
};

/** The export table of a tile layer: its id, its catalogue attributes, provenance. */
export function layerTable(layer: LayerDefinition): ExportTable {
  const table = String(layer.table);
  return {
    name: layer.name,
    table,
    geometryType: GEOMETRY_TYPES[table] ?? 'GEOMETRY',
    columns: [
      { name: 'id', type: 'int' },
      ...Object.entries(layer.attributes).map(([name, a]) => ({ name, type: a.type })),
      ...COMMON,
    ],
  };
}

/** Every table a dataset's features can be in: the catalogue's layers, road nodes and sensors. */
export function datasetTables(catalog: LayerCatalog): ExportTable[] {
  const out = catalog.layers.map(layerTable);
  for (const [table, columns] of Object.entries(EXTRA_TABLES)) {
    out.push({
      name: table,
      table,
      geometryType: GEOMETRY_TYPES[table]!,
      columns: [
        { name: 'id', type: 'int' },
        ...columns,
        ...COMMON.filter((c) => table !== 'sensors' || c.name !== 'source_id'),
      ],
    });
  }
  return out;
}

/** Columns for free-form features (scenario edits): every property, typed by its values. */
export function columnsOf(
  features: { properties: Record<string, unknown> | null }[],
): ExportColumn[] {
  const types = new Map<string, AttributeType>();
  for (const f of features) {
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(k) || v === null || v === undefined) {
        if (/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(k) && !types.has(k)) types.set(k, 'string');
        continue;
      }
      const t: AttributeType =
        typeof v === 'boolean'
          ? 'boolean'
          : typeof v === 'number'
            ? Number.isInteger(v)
              ? 'int'
              : 'float'
            : 'string';
      const was = types.get(k);
      types.set(
        k,
        !was || was === t
          ? t
          : (was === 'int' && t === 'float') || (was === 'float' && t === 'int')
            ? 'float'
            : 'string',
      );
    }
  }
  return [...types].map(([name, type]) => ({ name, type }));
}
