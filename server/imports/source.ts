import type { Geometry } from 'geojson';
import { twinError } from '../../common/twin-error';

/**
 * What every format reader yields: features with GeoJSON geometry in the file's own CRS, and
 * the CRS the file declares. Network formats (OSM, EPANET) also say how lines connect.
 */
export interface SourceFeature {
  type: 'feature';
  geometry: Geometry | null;
  properties: Record<string, unknown>;
  /** The feature's id in the source (GeoJSON id, OSM id, EPANET name), for upserts and reports. */
  id?: string | number;
  /** What the feature is in a mixed source: `building`, `highway`, `power`, `water`. */
  group?: string;
  /** One key per LineString position (OSM node ids): lines are split where keys are shared. */
  vertexKeys?: string[];
  /** The key that line endpoints use to reach this point feature (EPANET node names). */
  nodeKey?: string;
  /** Keys of a line's first and last nodes (EPANET pipes). */
  endpoints?: [string, string];
  /** Why the reader could not build a geometry (the feature is then rejected with it). */
  problem?: string;
  /**
   * 3D city models (CityJSON, CityGML): the LoD read, the building's ground, lowest and highest z
   * (file units, metres), and from LoD2 its surfaces in the file's CRS.
   */
  model3d?: Model3d;
}

export interface Model3d {
  lod: string;
  ground: number;
  /** Lowest z of this feature's own geometry (above `ground` for a part kept on its own). */
  base: number;
  top: number;
  surfaces?: { type: string | null; rings: [number, number, number][][] }[];
}

/** The CRS a file declares: an EPSG-style name, or a WKT definition. */
export interface SourceCrsDeclaration {
  type: 'crs';
  name?: string;
  wkt?: string;
}

export type SourceItem = SourceFeature | SourceCrsDeclaration;

export interface ReaderContext {
  /** Bytes consumed so far (for progress); readers add to it. */
  progress: { bytes: number; total: number };
  limits: ImportLimits;
  /** A private scratch directory (archives are extracted here). */
  tmpDir: string;
  /** 3D city models: LoD and building parts (`--lod`, `--parts`). */
  cityModel?: { lod?: string; buildingParts?: 'merge' | 'keep' };
}

export interface ImportLimits {
  /** Largest accepted upload / file, bytes. */
  maxFileBytes: number;
  /** Largest total uncompressed size of an archive, bytes. */
  maxUncompressedBytes: number;
  /** Most entries in an archive. */
  maxZipEntries: number;
  /** Largest uncompressed ÷ compressed size of an archive expanding past 256 MiB. */
  maxZipRatio?: number;
  /** Disk space that must stay free in the scratch directory after extracting, bytes. */
  diskReserveBytes?: number;
}

export const DEFAULT_LIMITS: ImportLimits = {
  maxFileBytes: 2 * 1024 ** 3,
  maxUncompressedBytes: 4 * 1024 ** 3,
  maxZipEntries: 10_000,
  maxZipRatio: 200,
  diskReserveBytes: 512 * 1024 ** 2,
};

/** An error about the whole file (malformed, truncated, unsafe); the import changes nothing. */
export class FileError extends twinError('FileError', 400, 'bad_request') {}

/** Yields items one at a time, or in batches (a chunk's features: one resume for all of them). */
export type Reader = (
  path: string,
  ctx: ReaderContext,
) => AsyncGenerator<SourceItem | readonly SourceItem[]>;
