import { IMPORT_TARGETS } from '../../common/layer-catalog';
import {
  crsFromName,
  crsFromWkt,
  CRS_HINT,
  useSpatialRefSys,
  WGS84,
  type SourceCrs,
  type SpatialRefSys,
} from './crs';
import { compileMapping } from './expressions';
import { detectFormat, READERS, WGS84_BY_DEFAULT, type Format } from './formats';
import { FileError, type ImportLimits, type SourceItem } from './source';
import { StageWriter, type StageSink } from './stage-writer';
import type { Target, TargetContext } from './targets/target';
import { buildingsTarget } from './targets/buildings';
import { roadsTarget } from './targets/roads';
import { waterTarget } from './targets/water';
import { powerTarget } from './targets/power';
import { sensorsTarget } from './targets/sensors';
import { customTarget } from './targets/custom';
import { landUseTarget } from './targets/land-use';

/**
 * The twin layers an import can load into: the catalogue's import targets, and sensors; any other
 * (valid) name is a custom layer.
 */
export const TWIN_LAYERS = [...IMPORT_TARGETS, 'sensors'] as const;
export type TwinLayer = (typeof TWIN_LAYERS)[number];
export type TargetKind = TwinLayer | 'custom';

export interface ParseOptions {
  path: string;
  /** The file's name as the user gave it (format detection by extension). */
  name: string;
  format?: Format;
  target: TargetKind;
  mapping: string[];
  srs?: string;
  limits: ImportLimits;
  tmpDir: string;
  /** Where the staging rows (COPY text) are written; absent: they go to `sink` in chunks. */
  spoolPath?: string;
  /** For an existing custom layer: the geometry kind it holds. */
  customGeometry?: 'point' | 'line' | 'polygon';
  /** 3D city models: `--lod` and `--parts` (merge BuildingParts, or keep each). */
  lod?: string;
  buildingParts?: 'merge' | 'keep';
  /** The database's EPSG definitions (spatial_ref_sys); without them only epsg-index is used. */
  spatialRefSys?: SpatialRefSys;
  /**
   * With a sink (no spool path), buildings that need nothing from the database go to it as
   * direct rows for the dataset's own table (`StageSink`, `DirectRows`). The loader sets it when
   * it writes such a table (buildings, except upserts).
   */
  direct?: boolean;
}

export interface ParseResult {
  format: Format;
  crs: string;
  /** Source features read (staged or rejected) and features of other kinds left out. */
  features: number;
  skipped: number;
  rows: number;
  accepted: number;
  rejected: number;
  summary: Record<string, unknown>;
}

export type ProgressFn = (p: { bytes: number; total: number; features: number }) => void;

function makeTarget(kind: TargetKind, ctx: TargetContext): Target {
  switch (kind) {
    case 'buildings':
      return buildingsTarget(ctx);
    case 'roads':
      return roadsTarget(ctx);
    case 'water':
      return waterTarget(ctx);
    case 'power':
      return powerTarget(ctx);
    case 'sensors':
      return sensorsTarget(ctx);
    case 'land_use':
      return landUseTarget(ctx);
    case 'custom':
      return customTarget(ctx);
  }
}

/**
 * Reads a file, reprojects and checks every feature, maps its fields onto the target layer and
 * writes staging rows to `spoolPath`. Touches no database. Throws FileError for a file that
 * cannot be imported at all (malformed, truncated, unsafe archive, unknown or wrong CRS).
 */
export async function parseToSpool(
  o: ParseOptions,
  onProgress: ProgressFn = () => {},
  totalBytes = 0,
  sink?: StageSink,
): Promise<ParseResult> {
  const format = o.format ?? detectFormat(o.path, o.name);
  const mapping = compileMapping(o.mapping);
  const target = o.spoolPath ?? sink;
  if (!target) throw new Error('parseToSpool needs a spool path or a sink');
  const out = new StageWriter(target);
  const stats = { outOfRange: 0, accepted: 0, rejected: 0 };
  const layer = makeTarget(o.target, {
    out,
    mapping,
    stats,
    customGeometry: o.customGeometry,
    direct: o.direct === true && out.canDirect,
  });
  if (o.spatialRefSys) useSpatialRefSys(o.spatialRefSys);
  const ctx = {
    progress: { bytes: 0, total: totalBytes },
    limits: o.limits,
    tmpDir: o.tmpDir,
    cityModel: { lod: o.lod, buildingParts: o.buildingParts },
  };
  let crs: SourceCrs | null = o.srs ? crsFromName(o.srs) : null;
  let features = 0;
  let skipped = 0;
  let lastReport = 0;
  try {
    for await (const got of READERS[format](o.path, ctx)) {
      for (const item of isBatch(got) ? got : [got]) {
        if (item.type === 'crs') {
          if (!o.srs && features === 0)
            crs = item.name ? crsFromName(item.name) : crsFromWkt(item.wkt ?? '');
          continue;
        }
        if (!crs) {
          if (!WGS84_BY_DEFAULT.has(format)) throw new FileError(noCrsMessage(format));
          crs = WGS84;
        }
        features++;
        if (!layer.feature(item, features, crs)) skipped++;
        if (out.full) await out.drain();
        if (features - lastReport >= 5000) {
          lastReport = features;
          onProgress({ bytes: ctx.progress.bytes, total: totalBytes, features });
        }
      }
    }
    layer.finish();
  } finally {
    await out.close();
  }
  onProgress({ bytes: totalBytes, total: totalBytes, features });
  const considered = stats.accepted + stats.rejected;
  if (stats.outOfRange > 0 && (stats.accepted === 0 || stats.outOfRange * 2 > considered)) {
    throw new FileError(
      `${stats.outOfRange} of ${considered} features have coordinates outside longitude/latitude range once read as ${crs?.label ?? 'WGS84'}: the file's CRS is missing or wrong; ${CRS_HINT}`,
    );
  }
  return {
    format,
    crs: crs?.label ?? 'EPSG:4326',
    features,
    skipped,
    rows: out.rows,
    accepted: stats.accepted,
    rejected: stats.rejected,
    summary: layer.summary(),
  };
}

/** A reader's batch of items (one resume of its generator for many). */
export const isBatch = (got: SourceItem | readonly SourceItem[]): got is readonly SourceItem[] =>
  Array.isArray(got);

/** The error for a file that needs `--srs`, with the usual answer for 3D city models. */
export function noCrsMessage(format: Format): string {
  const dutch =
    format === 'cityjson' || format === 'cityjsonseq' || format === 'citygml'
      ? ' (Dutch 3D BAG and Rotterdam models are in RD New + NAP: --srs EPSG:7415)'
      : '';
  return `the ${format} file declares no CRS; ${CRS_HINT}${dutch}`;
}
