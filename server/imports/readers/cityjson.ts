import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FileError, type ReaderContext, type SourceItem } from '../source';
import {
  buildingFeatures,
  type CityBuilding,
  type CityGeometry,
  type CityPart,
  type Surface3,
  type Vec3,
} from './city-model';

/**
 * CityJSON 1.0, 1.1 and 2.0 (https://www.cityjson.org/specs/) and CityJSONSeq (`.city.jsonl`:
 * a CityJSON header line, then one CityJSONFeature per line with its own vertices). Buildings
 * and their BuildingParts become twin features (see city-model.ts); other city objects are
 * counted as other kinds. Vertices are integers scaled by `transform` (1.1, 2.0; optional in
 * 1.0). The CRS comes from `metadata.referenceSystem`.
 */

/** A CityJSON file is one JSON document: parsed whole, so it is capped (CityJSONSeq streams). */
const MAX_CITYJSON_BYTES = 512 * 1024 ** 2;

interface Transform {
  scale: [number, number, number];
  translate: [number, number, number];
}

interface CityObject {
  type: string;
  attributes?: Record<string, unknown>;
  geometry?: CityJsonGeometry[];
  children?: string[];
  parents?: string[];
}

interface CityJsonGeometry {
  type: string;
  lod?: string | number;
  boundaries: unknown;
  semantics?: { surfaces: { type: string }[]; values: unknown };
}

const BUILDINGS = new Set(['Building', 'BuildingPart']);

/** Reads the model: vertices, objects, CRS; yields the CRS and then one item per building. */
class CityJsonModel {
  constructor(
    readonly transform: Transform | undefined,
    readonly version: string,
  ) {}

  vertices(raw: unknown): Vec3[] {
    if (!Array.isArray(raw)) throw new FileError('CityJSON "vertices" is not an array');
    const t = this.transform;
    return raw.map((v, i) => {
      if (
        !Array.isArray(v) ||
        v.length < 3 ||
        !v.every((n) => typeof n === 'number' && Number.isFinite(n))
      ) {
        throw new FileError(`CityJSON vertex ${i} is not three finite numbers`);
      }
      return t
        ? [
            v[0] * t.scale[0] + t.translate[0],
            v[1] * t.scale[1] + t.translate[1],
            v[2] * t.scale[2] + t.translate[2],
          ]
        : [v[0], v[1], v[2]];
    });
  }

  /** One geometry's surfaces with their semantic types; rings closed. */
  surfaces(g: CityJsonGeometry, vertices: Vec3[]): Surface3[] {
    const out: Surface3[] = [];
    const types = g.semantics?.surfaces ?? [];
    const ring = (idx: unknown): Vec3[] => {
      if (!Array.isArray(idx) || idx.length < 3)
        throw new Error('a ring has fewer than three vertices');
      const r = idx.map((i) => {
        const v = typeof i === 'number' ? vertices[i] : undefined;
        if (!v) throw new Error(`a ring refers to vertex ${String(i)}, which does not exist`);
        return v;
      });
      r.push(r[0]!);
      return r;
    };
    const surface = (s: unknown, value: unknown) => {
      if (!Array.isArray(s) || s.length === 0) throw new Error('a surface has no rings');
      const type = typeof value === 'number' ? (types[value]?.type ?? null) : null;
      out.push({ type, rings: s.map(ring) });
    };
    const surfaces = (list: unknown, values: unknown) => {
      if (!Array.isArray(list)) throw new Error('boundaries are not an array');
      list.forEach((s, i) => surface(s, Array.isArray(values) ? values[i] : null));
    };
    const b = g.boundaries;
    const v = g.semantics?.values;
    const at = (x: unknown, i: number) => (Array.isArray(x) ? x[i] : null);
    switch (g.type) {
      case 'MultiSurface':
      case 'CompositeSurface':
        surfaces(b, v);
        break;
      case 'Solid':
        (b as unknown[]).forEach((shell, i) => surfaces(shell, at(v, i)));
        break;
      case 'MultiSolid':
      case 'CompositeSolid':
        (b as unknown[]).forEach((solid, i) =>
          (solid as unknown[]).forEach((shell, j) => surfaces(shell, at(at(v, i), j))),
        );
        break;
      default:
        throw new Error(
          `geometry type ${g.type} is not read (template instances and points are skipped)`,
        );
    }
    return out;
  }

  part(id: string, o: CityObject, vertices: Vec3[], problems: string[]): CityPart {
    const geometries: CityGeometry[] = [];
    for (const g of o.geometry ?? []) {
      if (!g || typeof g !== 'object' || g.type === 'GeometryInstance') continue;
      try {
        geometries.push({ lod: String(g.lod ?? ''), surfaces: this.surfaces(g, vertices) });
      } catch (error) {
        problems.push(`${id}: ${(error as Error).message}`);
      }
    }
    return { id, type: o.type, attributes: o.attributes ?? {}, geometries };
  }

  /** The buildings among `objects` (parts gathered under their building), and other objects. */
  *items(
    objects: Record<string, CityObject>,
    vertices: Vec3[],
    ctx: ReaderContext,
  ): Generator<SourceItem> {
    for (const [id, o] of Object.entries(objects)) {
      if (!o || typeof o !== 'object') continue;
      if (o.type === 'BuildingPart' && o.parents?.some((p) => objects[p])) continue; // with its building
      if (!BUILDINGS.has(o.type)) {
        if (!o.parents?.length)
          yield {
            type: 'feature',
            geometry: null,
            properties: { cityjson_type: o.type },
            id,
            group: o.type,
          };
        continue;
      }
      const problems: string[] = [];
      const parts: CityPart[] = [this.part(id, o, vertices, problems)];
      const queue = [...(o.children ?? [])];
      for (let k = 0; k < queue.length && k < 10_000; k++) {
        const child = objects[queue[k]!];
        if (!child || child.type !== 'BuildingPart') continue;
        parts.push(this.part(queue[k]!, child, vertices, problems));
        queue.push(...(child.children ?? []));
      }
      const building: CityBuilding = {
        id,
        attributes: { ...(o.attributes ?? {}), cityjson_type: o.type },
        parts,
      };
      for (const f of buildingFeatures(building, ctx.cityModel ?? {})) {
        if (!f.geometry && problems.length)
          f.problem = `${f.problem}; ${problems.slice(0, 3).join('; ')}`;
        yield f;
      }
    }
  }
}

function header(
  doc: Record<string, unknown>,
  what: string,
): { model: CityJsonModel; crs?: string } {
  if (doc.type !== 'CityJSON')
    throw new FileError(
      `not CityJSON: the ${what} has type ${JSON.stringify(doc.type)?.slice(0, 40)}`,
    );
  const version = String(doc.version ?? '');
  if (!/^(1\.0|1\.1|2\.0)(\.\d+)?$/.test(version))
    throw new FileError(
      `CityJSON version ${version.slice(0, 20) || '(none)'} is not read; 1.0, 1.1 and 2.0 are`,
    );
  const t = doc.transform as Transform | undefined;
  if (
    t &&
    !(
      Array.isArray(t.scale) &&
      Array.isArray(t.translate) &&
      [...t.scale, ...t.translate].every((n) => typeof n === 'number' && Number.isFinite(n))
    )
  ) {
    throw new FileError('CityJSON "transform" needs numeric scale and translate');
  }
  const meta = (doc.metadata ?? {}) as { referenceSystem?: unknown; crs?: { epsg?: unknown } };
  const rs =
    meta.referenceSystem ??
    (meta.crs?.epsg !== undefined ? `EPSG:${String(meta.crs.epsg)}` : undefined);
  return {
    model: new CityJsonModel(t, version),
    crs: typeof rs === 'string' && rs.trim() ? rs.trim() : undefined,
  };
}

export async function* readCityJson(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const size = statSync(path).size;
  if (size > MAX_CITYJSON_BYTES) {
    throw new FileError(
      `a CityJSON file is read whole; this one is over ${MAX_CITYJSON_BYTES / 1024 ** 2} MiB: convert it to CityJSONSeq (cjio file.city.json export jsonl file.city.jsonl) and import that`,
    );
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new FileError(`not a readable CityJSON file: ${(error as Error).message.slice(0, 200)}`);
  }
  if (!doc || typeof doc !== 'object') throw new FileError('not a CityJSON file');
  const { model, crs } = header(doc, 'file');
  if (crs) yield { type: 'crs', name: crs };
  const vertices = model.vertices(doc.vertices ?? []);
  ctx.progress.bytes = size;
  yield* model.items((doc.CityObjects ?? {}) as Record<string, CityObject>, vertices, ctx);
}

/** CityJSONSeq: line 1 the header (transform, metadata), then one CityJSONFeature per line. */
export async function* readCityJsonSeq(
  path: string,
  ctx: ReaderContext,
): AsyncGenerator<SourceItem> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let model: CityJsonModel | undefined;
  let n = 0;
  for await (const line of lines) {
    n++;
    ctx.progress.bytes += Buffer.byteLength(line) + 1;
    if (!line.trim()) continue;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new FileError(
        `CityJSONSeq line ${n} is not JSON: ${(error as Error).message.slice(0, 120)}`,
      );
    }
    if (!model) {
      const h = header(doc, 'first line');
      model = h.model;
      if (h.crs) yield { type: 'crs', name: h.crs };
      continue;
    }
    if (doc.type !== 'CityJSONFeature')
      throw new FileError(
        `CityJSONSeq line ${n} is not a CityJSONFeature (type ${JSON.stringify(doc.type)?.slice(0, 40)})`,
      );
    yield* model.items(
      (doc.CityObjects ?? {}) as Record<string, CityObject>,
      model.vertices(doc.vertices ?? []),
      ctx,
    );
  }
  if (!model) throw new FileError('empty CityJSONSeq file');
}
